import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../db/client.js';
import { type ChunkHit, filterSql, type SearchFilter, uuidArray } from '../modules/search/search-filter.js';
import { parseVectorLiteral } from './literal.js';

/** A chunk's vector with what a vector store keeps beside it to scope searches. */
export interface ChunkVector {
  id: string;
  document_id: string;
  collection_id: string;
  vector: number[];
}

type ChunkVectorRow = Omit<ChunkVector, 'vector'> & { embedding: string };
const toChunkVector = ({ embedding, ...row }: ChunkVectorRow): ChunkVector => ({
  ...row,
  vector: parseVectorLiteral(embedding),
});

/** The SQL over `chunks.embedding`, the source of truth for vectors whichever store is searched. */
/** hnsw.ef_search for every index search (see nearest()). */
const HNSW_EF_SEARCH = 1000;

export const chunkVectorsRepository = {
  async scopeSize(db: Executor, collectionIds: string[]): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`select coalesce(sum(chunk_count), 0)::int as n from collection_stats
          where collection_id = any(${uuidArray(collectionIds)})`,
    );
    return row?.n ?? 0;
  },

  /**
   * Nearest chunks by cosine similarity (pgvector). Small scopes are scanned exactly; large ones use the HNSW
   * index with pgvector's iterative scan, so a tenant filter cannot starve the index of matches.
   */
  async nearest(
    db: Executor,
    query: { vector: string; dimensions: number; exactScanLimit: number },
    filter: SearchFilter,
    limit: number,
  ): Promise<ChunkHit[]> {
    const { vector, dimensions } = query;
    const where = filterSql(filter);
    // Below the limit an exact scan is fast and guaranteed complete; above it, the HNSW index.
    const scope = await this.scopeSize(db, filter.collectionIds);
    if (scope <= query.exactScanLimit) {
      return queryRows<ChunkHit>(
        db,
        sql`select c.id, 1 - (c.embedding <=> ${vector}::vector) as score
            from chunks c join documents d on d.id = c.document_id
            where ${where}
            order by c.embedding <=> ${vector}::vector, c.id
            limit ${limit}`,
      );
    }
    const dim = sql.raw(String(Math.trunc(dimensions)));
    return db.transaction(async (tx) => {
      await tx.execute(sql`set local hnsw.iterative_scan = relaxed_order`);
      // The candidate list's size decides recall: measured at 58k chunks (bench/search-scale.ts), recall@10
      // against an exact scan was 0.80 at 200 and 0.97 at 1000 (pgvector's maximum), for 8 ms instead of 3.
      await tx.execute(sql.raw(`set local hnsw.ef_search = ${HNSW_EF_SEARCH}`));
      return queryRows<ChunkHit>(
        tx,
        sql`select id, score from (
              select c.id, 1 - ((c.embedding::vector(${dim})) <=> ${vector}::vector(${dim})) as score
              from chunks c join documents d on d.id = c.document_id
              where ${where}
              order by (c.embedding::vector(${dim})) <=> ${vector}::vector(${dim})
              limit ${limit}
            ) hits order by score desc, id`,
      );
    });
  },

  /** Cosine similarity of specific chunks to the query (dense re-scoring of keyword candidates). */
  async similarities(db: Executor, vector: string, ids: string[]): Promise<ChunkHit[]> {
    if (ids.length === 0) return [];
    return queryRows<ChunkHit>(
      db,
      sql`select c.id, 1 - (c.embedding <=> ${vector}::vector) as score from chunks c
          where c.id = any(${uuidArray(ids)})`,
    );
  },

  /**
   * The chunks among `ids` that exist and match the filter, scored by their stored vectors: what an external
   * store's candidates are checked against, so a lagging index can never return a deleted or foreign chunk.
   */
  async scoreWithin(db: Executor, vector: string, ids: string[], filter: SearchFilter): Promise<ChunkHit[]> {
    if (ids.length === 0) return [];
    return queryRows<ChunkHit>(
      db,
      sql`select c.id, 1 - (c.embedding <=> ${vector}::vector) as score
          from chunks c join documents d on d.id = c.document_id
          where c.id = any(${uuidArray(ids)}) and ${filterSql(filter)}`,
    );
  },

  /** The current chunks of these documents with their vectors (none for a deleted document). */
  async ofDocuments(db: Executor, documentIds: string[]): Promise<ChunkVector[]> {
    if (documentIds.length === 0) return [];
    const rows = await queryRows<ChunkVectorRow>(
      db,
      sql`select id, document_id, collection_id, embedding::text as embedding from chunks
          where document_id = any(${uuidArray(documentIds)}) order by id`,
    );
    return rows.map(toChunkVector);
  },

  /** Every chunk after `after` by id, `limit` at a time: a rebuild's resumable walk. */
  async pageAfter(db: Executor, after: string | null, limit: number): Promise<ChunkVector[]> {
    const rows = await queryRows<ChunkVectorRow>(
      db,
      sql`select id, document_id, collection_id, embedding::text as embedding from chunks
          where ${after === null ? sql`true` : sql`id > ${after}::uuid`} order by id limit ${limit}`,
    );
    return rows.map(toChunkVector);
  },

  /** Which of these chunk ids still exist. */
  async existing(db: Executor, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await queryRows<{ id: string }>(
      db,
      sql`select id from chunks where id = any(${uuidArray(ids)})`,
    );
    return new Set(rows.map((row) => row.id));
  },
};
