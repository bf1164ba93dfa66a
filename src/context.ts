import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { type Authenticator, createAuthenticator } from './auth/authenticate.js';
import { JwtService } from './auth/jwt.js';
import { LastUsedTracker } from './auth/last-used.js';
import type { Config } from './config.js';
import type { Database, DatabaseHandle } from './db/client.js';
import type { EmbeddingProvider } from './embeddings/provider.js';
import { PlannerStatistics } from './modules/search/planner-statistics.js';
import { UsageCounter } from './modules/usage/usage-counter.js';
import { MemorySharedState } from './shared-state/memory.js';
import type { SharedState } from './shared-state/shared-state.js';
import { createVectorStore } from './vectors/open.js';
import type { VectorStore } from './vectors/vector-store.js';

/** What services need from the running process; built once per process and passed down explicitly. */
export interface AppContext {
  config: Config;
  db: Database;
  dbKind: 'pglite' | 'postgres';
  jwt: JwtService;
  /**
   * What instances must agree on (rate-limit and failed-auth counters, in-flight store leases, pending
   * last_used times): Redis with REDIS_URL, this process otherwise. See src/shared-state.
   */
  shared: SharedState;
  lastUsed: LastUsedTracker;
  /** Refreshes the planner statistics of the search tables after bulk writes. */
  statistics: PlannerStatistics;
  /** Successful calls per user and month, written in batches (USAGE_FLUSH_MS). */
  usage: UsageCounter;
  /**
   * The database check of a credential. HTTP entry points never call it directly: they go through the
   * per-IP failed-authentication budget wrapped around it (`clientAuthenticator` in src/http/rate-limit.ts).
   */
  authenticator: Authenticator;
  embedder: EmbeddingProvider;
  /**
   * Where nearest-neighbour search runs (VECTOR_STORE): pgvector over the stored vectors, or Qdrant fed by the
   * outbox. Services call its write hooks inside their transactions and `afterCommit` after them.
   */
  vectors: VectorStore;
  log: FastifyBaseLogger;
  /** Embedded mode on disk: a snapshot of the whole database (`ainstruct backup`); absent otherwise. */
  dumpDatabase?: (() => Promise<Uint8Array>) | undefined;
  /** Signs oidc-provider's cookies (derived from the JWT secret). */
  oauthCookieKey: string;
}

/** Wires the shared dependencies of services from an open database, an embedder and a logger. */
export function buildContext(deps: {
  config: Config;
  handle: DatabaseHandle;
  embedder: EmbeddingProvider;
  log: FastifyBaseLogger;
  jwtSecret: string;
  /** Default: this process's memory (one instance, CLI commands). */
  shared?: SharedState;
}): AppContext {
  const { config, handle, embedder, log } = deps;
  const shared = deps.shared ?? new MemorySharedState();
  const jwt = new JwtService({
    secret: deps.jwtSecret,
    algorithm: config.JWT_ALGORITHM,
    accessTokenMinutes: config.JWT_ACCESS_TOKEN_EXPIRE_MINUTES,
  });
  const lastUsed = new LastUsedTracker(handle.db, shared, config.LAST_USED_FLUSH_SECONDS, (error) =>
    log.warn({ err: error }, 'writing last_used failed'),
  );
  const usage = new UsageCounter(handle.db, config.USAGE_FLUSH_MS, (error) =>
    log.warn({ err: error }, 'writing usage counts failed; they are kept for the next flush'),
  );
  const statistics = new PlannerStatistics(handle.db, { minRows: 50, fraction: 0.1 }, (error) =>
    log.warn({ err: error }, 'refreshing planner statistics failed'),
  );
  const authenticator = createAuthenticator({
    db: handle.db,
    jwt,
    lastUsed,
    oauthEnabled: config.OAUTH_ENABLED,
  });
  // oidc-provider's cookie signing key, derived so every instance sharing JWT_SECRET_KEY agrees on it.
  const oauthCookieKey = createHmac('sha256', deps.jwtSecret)
    .update('ainstruct oauth cookies')
    .digest('base64url');
  return {
    config,
    db: handle.db,
    dbKind: handle.kind,
    jwt,
    shared,
    lastUsed,
    usage,
    statistics,
    authenticator,
    embedder,
    vectors: createVectorStore({ config, db: handle.db, embedder, log }),
    log,
    dumpDatabase: handle.dump,
    oauthCookieKey,
  };
}
