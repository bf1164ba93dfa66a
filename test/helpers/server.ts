import { loadConfig } from '../../src/config.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import type { EmbeddingProvider } from '../../src/embeddings/provider.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { TEST_VECTOR_STORE, type TestQdrant, testQdrant } from './vector-store.js';

export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-0123456789';

export interface TestServer extends RunningServer {
  database: TestDatabase;
  handle: DatabaseHandle;
}

/** Test defaults: quiet, random port, generous rate limits (the rate-limit tests set their own). */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '1000000',
    ADMIN_API_KEY: 'test-admin-key',
    ...overrides,
  };
}

/**
 * A real server on a real port over a fresh database of the suite's kind. `options.embedder` hands it an
 * embedding provider the caller owns (and closes), e.g. a counting wrapper around the real local model.
 */
export async function startTestServer(
  overrides: Record<string, string> = {},
  options: { embedder?: EmbeddingProvider } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const handle = await database.open();
  // The suite's vector store, unless the test chose one itself.
  const qdrant: TestQdrant | undefined =
    TEST_VECTOR_STORE === 'qdrant' && overrides.VECTOR_STORE === undefined ? await testQdrant() : undefined;
  const env = testEnv({ ...qdrant?.env, ...overrides });
  if (database.url) env.DATABASE_URL = database.url;
  const server = await startServer(loadConfig(env), {
    database: handle,
    ...(options.embedder ? { embedder: options.embedder } : {}),
  });
  return {
    ...server,
    database,
    handle,
    async close() {
      await server.close();
      await handle.close();
      await database.drop();
      await qdrant?.cleanup();
    },
  };
}

/**
 * A server whose embeddings come from another ainstruct's `/v1/embeddings` through the `openai` provider, with
 * one retry and the given timeout, so a provider outage shows quickly.
 */
export function startRemoteEmbeddingServer(
  host: { url: string; token: string },
  timeoutSeconds: number,
): Promise<TestServer> {
  return startTestServer({
    EMBEDDING_PROVIDER: 'openai',
    EMBEDDING_API_URL: `${host.url}/v1`,
    EMBEDDING_API_KEY: host.token,
    EMBEDDING_MODEL: 'ainstruct-remote',
    EMBEDDING_MAX_RETRIES: '1',
    EMBEDDING_TIMEOUT_SECONDS: String(timeoutSeconds),
  });
}
