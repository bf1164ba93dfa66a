import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import type { Config } from '../config.js';
import { type AppContext, buildContext } from '../context.js';
import { migrate } from '../db/migrate.js';
import { embeddingConfig } from '../embeddings/from-config.js';
import type { EmbeddingProvider } from '../embeddings/provider.js';
import { createEmbeddingProvider } from '../embeddings/registry.js';
import { openConfiguredDatabase } from '../server.js';
import { createServices, type Services } from '../services.js';

/**
 * The services wired for a command run in this process against the configured database, without an HTTP
 * server. In embedded mode this process owns DATA_DIR as `command` until close() (refused if another does).
 */
export async function openCliContext(
  config: Config,
  command: string,
  options: { embedder?: EmbeddingProvider; migrate?: boolean } = {},
): Promise<{ ctx: AppContext; services: Services; close(): Promise<void> }> {
  const handle = await openConfiguredDatabase(config, command);
  const embedder = options.embedder ?? createEmbeddingProvider(embeddingConfig(config));
  try {
    // `ainstruct migrate` applies (and reports) the migrations itself.
    if (options.migrate !== false) await migrate(handle.db);
  } catch (error) {
    await embedder.close();
    await handle.close();
    throw error;
  }
  const silent = Fastify({ logger: false }).log;
  // Commands sign no tokens; a throwaway key satisfies the dependencies.
  const ctx = buildContext({
    config,
    handle,
    embedder,
    log: silent,
    jwtSecret: randomBytes(32).toString('hex'),
  });
  return {
    ctx,
    services: createServices(ctx),
    async close() {
      await ctx.lastUsed.stop();
      await ctx.usage.stop();
      await ctx.statistics.settled();
      await embedder.close();
      await handle.close();
    },
  };
}
