import type { FastifyBaseLogger } from 'fastify';
import type { Authenticator } from './auth/authenticate.js';
import type { JwtService } from './auth/jwt.js';
import type { LastUsedTracker } from './auth/last-used.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { EmbeddingProvider } from './embeddings/provider.js';

/** What services need from the running process; built once in `server.ts` and passed down explicitly. */
export interface AppContext {
  config: Config;
  db: Database;
  dbKind: 'pglite' | 'postgres';
  jwt: JwtService;
  lastUsed: LastUsedTracker;
  authenticator: Authenticator;
  embedder: EmbeddingProvider;
  log: FastifyBaseLogger;
}
