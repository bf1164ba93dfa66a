import type { Executor } from '../db/client.js';
import type { ChunkHit, SearchFilter } from '../modules/search/search-filter.js';

export { VectorStoreUnavailableError } from '../errors.js';

/**
 * Nearest-neighbour search over chunk vectors, chosen by VECTOR_STORE in the composition root (open.ts).
 *
 * Chunk vectors are always stored in PostgreSQL (`chunks.embedding`, written with the chunk): they are the source
 * of truth, what an edit reuses for unchanged text, and what a rebuild reads. A vector store is the index searched
 * over them. With pgvector that index lives in the same rows (HNSW), so the write hooks have nothing to do and a
 * write stays one transaction. With Qdrant the hooks record, in the write's own transaction, which documents and
 * collections Qdrant must catch up with (the outbox); a worker applies them.
 */
export interface VectorStore {
  readonly kind: 'pgvector' | 'qdrant';

  /** In the write's transaction: these documents' chunks (and so their vectors) were inserted or replaced. */
  upsertDocuments(tx: Executor, documentIds: string[]): Promise<void>;
  /** In the write's transaction: these documents (or their chunks) are being deleted. */
  deleteDocuments(tx: Executor, documentIds: string[]): Promise<void>;
  /** In the write's transaction: these collections are being deleted with everything in them. */
  deleteCollections(tx: Executor, collectionIds: string[]): Promise<void>;
  /**
   * After the write committed: make it searchable now if that is cheap, so a search right after a store finds
   * it. Never throws; whatever it could not do stays in the outbox.
   */
  afterCommit(documentIds: string[]): Promise<void>;

  /** The `limit` chunks nearest to `vector` within the filter, best first; only chunks that exist and match. */
  search(query: VectorQuery): Promise<ChunkHit[]>;
  /** Cosine similarity of specific chunks to the query (to score keyword candidates the nearest leg missed). */
  similarities(vector: ArrayLike<number>, chunkIds: string[]): Promise<ChunkHit[]>;

  /** Vectors the store holds. */
  count(): Promise<number>;
  /** Rebuilds the store from PostgreSQL (`ainstruct reindex --vectors`), reporting progress. */
  rebuild(onProgress?: (progress: RebuildProgress) => void): Promise<RebuildResult>;
  /** For /ready and /metrics. */
  status(): Promise<VectorStoreStatus>;

  /** Starts background work (the outbox worker); idempotent. */
  start(): void;
  /** Stops background work and waits for the batch in hand. */
  stop(): Promise<void>;
}

export interface VectorQuery {
  vector: ArrayLike<number>;
  filter: SearchFilter;
  limit: number;
}

export interface RebuildProgress {
  done: number;
  total: number;
}

export interface RebuildResult {
  kind: VectorStore['kind'];
  /** Chunks whose vectors the store holds after the rebuild. */
  vectors: number;
  /** Where they are (the Qdrant collection), when there is such a name. */
  collection?: string;
}

export interface VectorStoreStatus {
  kind: VectorStore['kind'];
  /** False when the store cannot be reached; searches then fall back to keyword (hybrid) or fail (semantic). */
  available: boolean;
  error?: string;
  /** The outbox (Qdrant only): entries waiting and the age of the oldest, in seconds. */
  outbox?: { pending: number; oldestSeconds: number; failing: number };
}
