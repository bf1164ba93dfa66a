import { randomBytes } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { type FakeQdrant, startFakeQdrant } from './fake-qdrant.js';

/**
 * Which vector store the suite's servers use: `TEST_VECTOR_STORE=qdrant` runs them on Qdrant, the real one at
 * `TEST_QDRANT_URL` (with `TEST_QDRANT_API_KEY`) when set, otherwise a fake started once per test file.
 */
export const TEST_VECTOR_STORE = process.env.TEST_VECTOR_STORE === 'qdrant' ? 'qdrant' : 'pgvector';

let shared: Promise<FakeQdrant> | undefined;

export interface TestQdrant {
  /** Settings for one server: its own collection prefix, so servers never see each other's points. */
  env: Record<string, string>;
  /** Deletes the server's collections (on a real Qdrant; the fake forgets them with the process). */
  cleanup(): Promise<void>;
}

export async function testQdrant(): Promise<TestQdrant> {
  const real = process.env.TEST_QDRANT_URL || undefined;
  const apiKey = (real && process.env.TEST_QDRANT_API_KEY) || undefined;
  if (!real) shared ??= startFakeQdrant();
  const url = real ?? (await (shared as Promise<FakeQdrant>)).url;
  const prefix = `test_${randomBytes(5).toString('hex')}`;
  return {
    env: {
      VECTOR_STORE: 'qdrant',
      QDRANT_URL: url,
      QDRANT_COLLECTION_PREFIX: prefix,
      ...(apiKey ? { QDRANT_API_KEY: apiKey } : {}),
    },
    async cleanup() {
      if (!real) return;
      const client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
      const { collections } = await client.getCollections();
      for (const { name } of collections)
        if (name.startsWith(`${prefix}_`)) await client.deleteCollection(name);
    },
  };
}
