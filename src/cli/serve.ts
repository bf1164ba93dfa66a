import type { Config } from '../config.js';
import { startServer } from '../server.js';
import { VERSION } from '../version.js';
import { createEmbeddedDatabaseFirst } from './first-start.js';

/** `ainstruct serve`: runs until SIGINT or SIGTERM, then closes the server before exiting. */
export async function serve(config: Config): Promise<void> {
  await createEmbeddedDatabaseFirst(config);
  const server = await startServer(config);
  const mode =
    server.ctx.dbKind === 'pglite' ? `embedded database in ${server.ctx.config.DATA_DIR}` : 'PostgreSQL';
  server.app.log.info(`ainstruct ${VERSION} listening on ${server.url} (${mode})`);
  // Load the embedding model now rather than on the first request that needs it.
  void server.ctx.embedder
    .warmup?.()
    .catch((error: unknown) => server.app.log.warn({ err: error }, 'embedder warm-up failed'));
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info(`${signal} received, shutting down`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
