import { type SQL, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { type Executor, queryRows } from '../../src/db/client.js';

/**
 * Whole-database consistency checks, read straight from the tables: the keyword index (postings and BM25
 * statistics, maintained incrementally by every write) against a recount from the chunks, and rows that a
 * half-done write would leave behind.
 */

/** Rows of `maintained` missing from `recomputed` and vice versa: both empty when they agree. */
async function drift(db: Executor, maintained: SQL, recomputed: SQL) {
  const extra = await queryRows(db, sql`(${maintained}) except all (${recomputed})`);
  const missing = await queryRows(db, sql`(${recomputed}) except all (${maintained})`);
  return { extra, missing };
}

/** The keyword index compared with the same figures recomputed from the chunks' tsvectors. */
export async function expectKeywordIndexExact(db: Executor): Promise<void> {
  const none = { extra: [], missing: [] };
  expect(
    await drift(
      db,
      sql`select collection_id, term, chunk_id, document_id, tf, chunk_length from chunk_terms`,
      sql`select c.collection_id, u.lexeme, c.id, c.document_id, coalesce(array_length(u.positions, 1), 1),
                 c.lexeme_count
          from chunks c, unnest(c.tsv) u`,
    ),
    'postings',
  ).toEqual(none);
  expect(
    await drift(
      db,
      sql`select collection_id, term, doc_freq, document_freq from term_stats`,
      sql`select c.collection_id, u.lexeme, count(*)::int, count(distinct c.document_id)::int
          from chunks c, unnest(c.tsv) u group by 1, 2`,
    ),
    'term statistics',
  ).toEqual(none);
  expect(
    await drift(
      db,
      sql`select collection_id, chunk_count, total_length, document_count, document_length from collection_stats
          where chunk_count <> 0 or document_count <> 0 or total_length <> 0 or document_length <> 0`,
      sql`select collection_id, count(*)::int, sum(lexeme_count)::bigint, count(distinct document_id)::int,
                 sum(lexeme_count)::bigint
          from chunks group by 1`,
    ),
    'collection statistics',
  ).toEqual(none);
  expect(
    await drift(
      db,
      sql`select id, lexeme_count from documents`,
      sql`select d.id, coalesce((select sum(lexeme_count) from chunks c where c.document_id = d.id), 0)::int
          from documents d`,
    ),
    'document lengths',
  ).toEqual(none);
}

/**
 * Rows no complete write leaves: chunks or postings without their document or chunk, documents without chunks
 * or with a chunk count that is not theirs, chunks filed under another collection than their document, and
 * the same content twice in one collection. Every list must be empty.
 */
export async function expectNoOrphans(db: Executor): Promise<void> {
  const rows = (query: SQL) => queryRows(db, query);
  expect({
    chunksWithoutDocument: await rows(
      sql`select id from chunks c where not exists (select 1 from documents d where d.id = c.document_id)`,
    ),
    chunksInAnotherCollection: await rows(
      sql`select c.id from chunks c join documents d on d.id = c.document_id
          where c.collection_id <> d.collection_id`,
    ),
    postingsWithoutChunk: await rows(
      sql`select chunk_id, term from chunk_terms t
          where not exists (select 1 from chunks c where c.id = t.chunk_id and c.document_id = t.document_id)`,
    ),
    documentsWithoutChunks: await rows(
      sql`select id from documents d where not exists (select 1 from chunks c where c.document_id = d.id)`,
    ),
    wrongChunkCounts: await rows(
      sql`select d.id, d.chunk_count, count(c.id)::int as chunks from documents d
          left join chunks c on c.document_id = d.id
          group by d.id having d.chunk_count <> count(c.id)`,
    ),
    duplicateContent: await rows(
      sql`select collection_id, content_hash from documents group by 1, 2 having count(*) > 1`,
    ),
  }).toEqual({
    chunksWithoutDocument: [],
    chunksInAnotherCollection: [],
    postingsWithoutChunk: [],
    documentsWithoutChunks: [],
    wrongChunkCounts: [],
    duplicateContent: [],
  });
}
