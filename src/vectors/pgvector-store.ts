import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.js';
import { modelRepository } from '../modules/search/model.repository.js';
import type { ChunkHit } from '../modules/search/search-filter.js';
import { chunkVectorsRepository } from './chunk-vectors.repository.js';
import { vectorLiteral } from './literal.js';
import type { RebuildResult, VectorQuery, VectorStore, VectorStoreStatus } from './vector-store.js';

/**
 * Vectors searched where they are stored, in `chunks.embedding` (HNSW for large scopes): every write is already
 * searchable when its transaction commits, so the hooks have nothing to do.
 */
export class PgvectorStore implements VectorStore {
  readonly kind = 'pgvector' as const;

  constructor(private readonly deps: { db: Database; exactScanLimit: number; log: FastifyBaseLogger }) {}

  async upsertDocuments(): Promise<void> {}
  async deleteDocuments(): Promise<void> {}
  async deleteCollections(): Promise<void> {}
  async afterCommit(): Promise<void> {}

  search(query: VectorQuery): Promise<ChunkHit[]> {
    return chunkVectorsRepository.nearest(
      this.deps.db,
      {
        vector: vectorLiteral(query.vector),
        dimensions: query.vector.length,
        exactScanLimit: this.deps.exactScanLimit,
      },
      query.filter,
      query.limit,
    );
  }

  similarities(vector: ArrayLike<number>, chunkIds: string[]): Promise<ChunkHit[]> {
    return chunkVectorsRepository.similarities(this.deps.db, vectorLiteral(vector), chunkIds);
  }

  count(): Promise<number> {
    return modelRepository.chunkCount(this.deps.db);
  }

  /** Nothing to copy: the index is over the stored vectors themselves. */
  async rebuild(): Promise<RebuildResult> {
    return { kind: this.kind, vectors: await this.count() };
  }

  async status(): Promise<VectorStoreStatus> {
    return { kind: this.kind, available: true };
  }

  /**
   * Writes made from now on do not reach Qdrant: forget that it was in sync, so switching back to
   * VECTOR_STORE=qdrant rebuilds it.
   */
  start(): void {
    void modelRepository
      .clearQdrantSynced(this.deps.db)
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'clearing the Qdrant marker failed'));
  }

  async stop(): Promise<void> {}
}
