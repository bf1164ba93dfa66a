import type { Config } from '../config.js';
import { VERSION } from '../version.js';
import { launchCommand, startupBanner, startupFields } from './banner.js';
import { createEmbeddedDatabaseFirst } from './first-start.js';
import { startServerTakingOver } from './take-over.js';

/** `ainstruct serve`: runs until SIGINT or SIGTERM, then closes the server before exiting. */
export async function serve(config: Config): Promise<void> {
  await createEmbeddedDatabaseFirst(config);
  const server = await startServerTakingOver(config);
  const dataDir = server.ctx.dbKind === 'pglite' ? server.ctx.config.DATA_DIR : undefined;
  const mode = dataDir === undefined ? 'PostgreSQL' : `embedded database in ${dataDir}`;
  const facts = { version: VERSION, url: server.url, dataDir, command: launchCommand() };
  // The log (JSON lines on stdout) gets one structured line that tests and operators parse; a person at a
  // terminal also gets the banner, on stderr, so a piped or collected log never holds anything but JSON.
  server.app.log.info(startupFields(facts), `ainstruct ${VERSION} listening on ${server.url} (${mode})`);
  if (process.stderr.isTTY) process.stderr.write(startupBanner(facts));
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
