import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

/** The tables whose planner statistics decide the search plans (HNSW or not, which postings first). */
const SEARCH_TABLES = ['chunks', 'chunk_terms', 'documents', 'term_stats'] as const;

export const statisticsRepository = {
  /** Samples the search tables afresh, as autovacuum would eventually (it cannot be relied on to be on). */
  async analyze(db: Executor): Promise<void> {
    await db.execute(sql.raw(`analyze ${SEARCH_TABLES.join(', ')}`));
  },
};
