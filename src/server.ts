import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { createApp, fastifyOptions } from './app.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import type { Config } from './config.js';
import { type AppContext, buildContext } from './context.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import type { ControlHandler } from './db/data-dir-owner.js';
import { migrate } from './db/migrate.js';
import { embeddingConfig } from './embeddings/from-config.js';
import type { EmbeddingProvider } from './embeddings/provider.js';
import { createEmbeddingProvider } from './embeddings/registry.js';
import { isOwnerMcpRequest, ownerMcpHandler } from './mcp/owner-channel.js';
import { JobRunner } from './modules/jobs/job-runner.js';
import { ensureEmbeddingModel } from './modules/search/embedding-model.js';
import { operationsHandler } from './operations/owner-control.js';
import { createServices, type Services } from './services.js';
import { openSharedState } from './shared-state/open.js';
import type { SharedState } from './shared-state/shared-state.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  services: Services;
  /** Runs this instance's share of the background jobs (JOBS_CONCURRENCY at a time). */
  jobs: JobRunner;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8000 */
  url: string;
  close(): Promise<void>;
}

/** Opens the configured database; in embedded mode this process becomes the owner of DATA_DIR as `command`. */
export function openConfiguredDatabase(config: Config, command = 'serve'): Promise<DatabaseHandle> {
  return openDatabase({
    url: config.databaseUrl,
    dataDir: config.DATA_DIR,
    command,
    poolSize: config.DB_POOL_SIZE,
    connectTimeoutSeconds: config.DB_POOL_TIMEOUT,
    idleTimeoutSeconds: config.DB_IDLE_TIMEOUT,
    sharedBuffersMb: config.EMBEDDED_SHARED_BUFFERS_MB,
  });
}

/**
 * Opens the database, applies migrations (under an advisory lock, so many instances may start at once), wires
 * the services and starts listening. Everything it opens is closed by `close()`, in reverse order.
 */
export async function startServer(
  config: Config,
  options: {
    listen?: boolean;
    database?: DatabaseHandle;
    embedder?: EmbeddingProvider;
    /** What owning an embedded DATA_DIR is announced as (default `serve`). */
    command?: string;
    /** Where the log goes (default stdout; `ainstruct mcp` keeps stdout for protocol messages). */
    logStream?: DestinationStream;
    /** Control routes of this owner beyond operations and MCP (`ainstruct mcp`'s handover); undefined: none. */
    control?: (request: IncomingMessage) => ControlHandler | undefined;
  } = {},
): Promise<RunningServer> {
  const handle = options.database ?? (await openConfiguredDatabase(config, options.command));
  const embedder = options.embedder ?? createEmbeddingProvider(embeddingConfig(config));
  const app = Fastify(fastifyOptions(config, options.logStream));
  let shared: SharedState | undefined;
  try {
    const applied = await migrate(handle.db);
    if (applied.length > 0) app.log.info({ applied }, 'database migrations applied');
    await ensureEmbeddingModel(handle.db, embedder);
    // A new or upgraded embedded database: what creating its schema took need not stay resident.
    if (applied.length > 0) await handle.compact?.();
    shared = await openSharedState(config, app.log);
    const ctx = buildContext({
      config,
      handle,
      embedder,
      log: app.log,
      jwtSecret: resolveJwtSecret(config),
      shared,
    });
    const { lastUsed } = ctx;
    const services = createServices(ctx);
    await createApp({ ctx, services, app });
    lastUsed.start();
    ctx.usage.start();
    ctx.vectors.start();
    const jobs = new JobRunner({
      db: ctx.db,
      handler: services.jobs.handler,
      concurrency: config.JOBS_CONCURRENCY,
      leaseSeconds: config.JOBS_LEASE_SECONDS,
      log: app.log,
    });
    services.jobs.onQueued(() => jobs.notify());
    app.addHook('onClose', async () => {
      // First, while the database and the embedder are still there to give running jobs back.
      await jobs.stop();
      await ctx.vectors.stop();
      await lastUsed.stop();
      await ctx.usage.stop();
      await ctx.statistics.settled();
      await ctx.shared.close();
      if (!options.embedder) await embedder.close();
    });
    let url = '';
    if (options.listen !== false) {
      await app.listen({ host: config.HOST, port: config.PORT });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
      url = `http://${host}:${port}`;
    } else {
      await app.ready();
    }
    // Owning an embedded DATA_DIR: command-line operations from other processes now run here.
    if (handle.ownership) {
      handle.ownership.setUrl(url);
      const operations = operationsHandler({ ctx, services }, app.log);
      const mcp = ownerMcpHandler({ ctx, services });
      handle.ownership.serve((request, response) =>
        (options.control?.(request) ?? (isOwnerMcpRequest(request) ? mcp : operations))(request, response),
      );
    }
    jobs.start();
    return {
      app,
      ctx,
      services,
      jobs,
      url,
      async close() {
        await app.close();
        if (!options.database) await handle.close();
      },
    };
  } catch (error) {
    await app.close().catch(() => {});
    await shared?.close().catch(() => {});
    if (!options.embedder) await embedder.close().catch(() => {});
    if (!options.database) await handle.close().catch(() => {});
    throw error;
  }
}
