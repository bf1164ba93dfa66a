import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { VectorStore, VectorStoreStatus } from '../vectors/vector-store.js';

/**
 * `/metrics` in the Prometheus format: process metrics, request counts and latencies per route, and the vector
 * store's state (whether it answers; with Qdrant, the outbox: entries waiting, the oldest one's age, failing).
 */
export function registerMetrics(app: FastifyInstance, vectors: VectorStore): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  registerVectorGauges(registry, vectors);
  app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return registry;
}

function registerVectorGauges(registry: Registry, vectors: VectorStore): void {
  // One status read per scrape, shared by the gauges below.
  let scrape: Promise<VectorStoreStatus> | undefined;
  const status = () => {
    scrape ??= vectors.status().finally(() => {
      setImmediate(() => {
        scrape = undefined;
      });
    });
    return scrape;
  };
  const gauge = (name: string, help: string, read: (s: VectorStoreStatus) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(read(await status()));
      },
    });
  gauge('ainstruct_vector_store_up', '1 when the vector store answers', (s) => (s.available ? 1 : 0));
  gauge(
    'ainstruct_vector_outbox_pending',
    'Vector outbox entries not yet applied',
    (s) => s.outbox?.pending ?? 0,
  );
  gauge(
    'ainstruct_vector_outbox_oldest_seconds',
    'Age of the oldest vector outbox entry: how far the vector store lags behind',
    (s) => s.outbox?.oldestSeconds ?? 0,
  );
  gauge(
    'ainstruct_vector_outbox_failing',
    'Vector outbox entries that failed at least once and wait for a retry',
    (s) => s.outbox?.failing ?? 0,
  );
}

export type ReadinessCheck = () => Promise<void>;

/**
 * `/health` says the process is up; `/ready` says every dependency it needs answers. The vector store is
 * reported but does not make an instance unready: Qdrant down hits every instance alike, writes still succeed
 * (the outbox keeps them) and hybrid search answers from keywords, so taking instances out would only make
 * things worse.
 */
export function registerHealth(
  app: FastifyInstance,
  checks: Record<string, ReadinessCheck>,
  vectors: VectorStore,
): void {
  app.get('/health', { config: { rateLimit: false }, schema: { hide: true } }, async () => ({
    status: 'healthy',
  }));
  app.get('/ready', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    const results: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of Object.entries(checks)) {
      try {
        await check();
        results[name] = 'ok';
      } catch (error) {
        ready = false;
        results[name] = error instanceof Error ? error.message : 'unavailable';
      }
    }
    const store = await vectors.status().catch(
      (error: unknown): VectorStoreStatus => ({
        kind: vectors.kind,
        available: false,
        error: error instanceof Error ? error.message : 'unavailable',
      }),
    );
    results.vectors = store.available ? 'ok' : `degraded: ${store.error ?? 'unavailable'}`;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      checks: results,
      vectors: {
        store: store.kind,
        available: store.available,
        ...(store.outbox
          ? {
              outbox: {
                pending: store.outbox.pending,
                oldest_seconds: Math.round(store.outbox.oldestSeconds * 10) / 10,
                failing: store.outbox.failing,
              },
            }
          : {}),
      },
    });
  });
}
