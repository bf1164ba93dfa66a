import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';

/** The tables whose planner statistics decide the search plans (HNSW or not, which postings first). */
const SEARCH_TABLES = ['chunks', 'chunk_terms', 'documents', 'term_stats'] as const;

export const statisticsRepository = {
  /** Chunks in the whole database, from the per-collection totals (no scan of the chunks). */
  async chunkTotal(db: Executor): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      db,
      sql`select coalesce(sum(chunk_count), 0)::int as n from collection_stats`,
    );
    return row?.n ?? 0;
  },

  /** Samples the search tables afresh, as autovacuum would eventually (it cannot be relied on to be on). */
  async analyze(db: Executor): Promise<void> {
    await db.execute(sql.raw(`analyze ${SEARCH_TABLES.join(', ')}`));
  },
};
