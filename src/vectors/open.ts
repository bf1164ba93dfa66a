import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { EmbeddingProvider } from '../embeddings/provider.js';
import { PgvectorStore } from './pgvector-store.js';
import { QdrantStore } from './qdrant-store.js';
import type { VectorStore } from './vector-store.js';

/** The vector store VECTOR_STORE names; the only place that knows the implementations. */
export function createVectorStore(deps: {
  config: Config;
  db: Database;
  embedder: EmbeddingProvider;
  log: FastifyBaseLogger;
}): VectorStore {
  const { config, db, embedder, log } = deps;
  if (config.VECTOR_STORE === 'qdrant') {
    return new QdrantStore({
      db,
      url: config.QDRANT_URL,
      apiKey: config.QDRANT_API_KEY,
      timeoutMs: config.QDRANT_TIMEOUT_MS,
      collectionPrefix: config.QDRANT_COLLECTION_PREFIX,
      model: () => ({ model: embedder.model, dimensions: embedder.dimensions }),
      log,
    });
  }
  return new PgvectorStore({ db, exactScanLimit: config.SEARCH_EXACT_SCAN_LIMIT, log });
}
