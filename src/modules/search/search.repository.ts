import { type SQL, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';

/** Narrowing applied to both legs of a search, always inside the caller's visible collections. */
export interface SearchFilter {
  collectionIds: string[];
  documentTypes?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  updatedAfter?: string | undefined;
  updatedBefore?: string | undefined;
}

export interface ChunkHit {
  id: string;
  score: number;
}

/**
 * Keyword hits with the query's ceiling: the BM25 a chunk would score matching every query term once at average
 * length (the sum of the terms' IDFs, terms absent from the corpus included). A hit's share of it says how much
 * of the question it answers, which the best hit's own score cannot.
 */
export interface KeywordHits {
  /** `matched`: how many distinct query terms the chunk contains. */
  hits: (ChunkHit & { matched: number })[];
  ceiling: number;
}

export interface ChunkDetail {
  id: string;
  document_id: string;
  chunk_index: number;
  content: string;
  heading_path: string[];
  token_count: number;
  title: string;
  document_type: string;
  collection_id: string;
  collection_name: string;
}

export const uuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/** Conditions on the document (alias `d`) beyond its collection; undefined when there are none. */
function documentFilterSql(filter: SearchFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (filter.documentTypes?.length) {
    parts.push(sql`d.document_type = any(${`{${filter.documentTypes.join(',')}}`}::text[])`);
  }
  if (filter.metadata && Object.keys(filter.metadata).length > 0) {
    parts.push(sql`d.metadata @> ${JSON.stringify(filter.metadata)}::jsonb`);
  }
  if (filter.createdAfter) parts.push(sql`d.created_at >= ${filter.createdAfter}::timestamptz`);
  if (filter.createdBefore) parts.push(sql`d.created_at < ${filter.createdBefore}::timestamptz`);
  if (filter.updatedAfter) parts.push(sql`d.updated_at >= ${filter.updatedAfter}::timestamptz`);
  if (filter.updatedBefore) parts.push(sql`d.updated_at < ${filter.updatedBefore}::timestamptz`);
  return parts.length > 0 ? sql.join(parts, sql` and `) : undefined;
}

/** The whole filter over chunks `c` joined to their documents `d`. */
export function filterSql(filter: SearchFilter): SQL {
  const inCollections = sql`c.collection_id = any(${uuidArray(filter.collectionIds)})`;
  const onDocument = documentFilterSql(filter);
  return onDocument ? sql`${inCollections} and ${onDocument}` : inCollections;
}

export const searchRepository = {
  /**
   * BM25 (k1, b) from the postings of the query's terms, with frequencies and lengths summed over the searched
   * collections only: scores depend on the caller's data, never on other tenants'. Every chunk containing any
   * query term is a candidate (an AND of all terms finds nothing for most real questions).
   *
   * A document split into several chunks also gets a document-level BM25 (term frequencies summed over its
   * chunks, document frequencies counted per document), and its best chunk scores the better of the two: a
   * short text cut in two by the chunk size limit still ranks as the whole it is, while in a long document the
   * length normalisation keeps the document score low and the passage score decides.
   */
  async keyword(
    db: Executor,
    query: string,
    filter: SearchFilter,
    limit: number,
    params: { k1: number; b: number } = { k1: 1.2, b: 0.75 },
  ): Promise<KeywordHits> {
    const colls = uuidArray(filter.collectionIds);
    const k1 = sql`${params.k1}::float8`;
    const b = sql`${params.b}::float8`;
    const onDocument = documentFilterSql(filter);
    const documentFilter = onDocument
      ? sql`and p.document_id in (select d.id from documents d where d.collection_id = any(${colls}) and ${onDocument})`
      : sql``;
    const rows = await queryRows<ChunkHit & { ceiling: number; matched: number }>(
      db,
      sql`with terms as (select distinct u.lexeme as term from unnest(to_tsvector('english', ${query})) u),
        corpus as (
          select greatest(coalesce(sum(chunk_count), 0), 1)::float8 as n,
                 greatest(coalesce(sum(total_length), 0)::float8 / greatest(coalesce(sum(chunk_count), 0), 1), 1)
                   as avgdl,
                 greatest(coalesce(sum(document_count), 0), 1)::float8 as dn,
                 greatest(coalesce(sum(document_length), 0)::float8 / greatest(coalesce(sum(document_count), 0), 1),
                          1) as avgdocl
          from collection_stats where collection_id = any(${colls})),
        idf as (
          select terms.term,
                 ln(1 + (corpus.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) as chunk_idf,
                 ln(1 + (corpus.dn - coalesce(s.ddf, 0) + 0.5) / (coalesce(s.ddf, 0) + 0.5)) as doc_idf
          from terms cross join corpus
          left join (
            select term, sum(doc_freq)::float8 as df, sum(document_freq)::float8 as ddf from term_stats
            where collection_id = any(${colls}) and term in (select term from terms)
            group by term) s on s.term = terms.term),
        postings as (
          select p.chunk_id, p.document_id, p.term, p.tf::float8 as tf, p.chunk_length from chunk_terms p
          where p.collection_id = any(${colls}) and p.term in (select term from terms) ${documentFilter}),
        chunk_scores as (
          select p.chunk_id, p.document_id, count(*)::int as matched,
                 sum(idf.chunk_idf * p.tf * (${k1} + 1)
                     / (p.tf + ${k1} * (1 - ${b} + ${b} * p.chunk_length / corpus.avgdl))) as score
          from postings p join idf on idf.term = p.term cross join corpus
          group by p.chunk_id, p.document_id),
        doc_scores as (
          select t.document_id, count(*)::int as matched,
                 sum(idf.doc_idf * t.tf * (${k1} + 1)
                     / (t.tf + ${k1} * (1 - ${b} + ${b} * d.lexeme_count / corpus.avgdocl))) as score
          from (select document_id, term, sum(tf) as tf from postings group by document_id, term) t
          join idf on idf.term = t.term join documents d on d.id = t.document_id cross join corpus
          group by t.document_id),
        ranked as (
          select cs.chunk_id, cs.score, cs.matched, ds.score as doc_score, ds.matched as doc_matched,
                 row_number() over (partition by cs.document_id order by cs.score desc, cs.chunk_id) as place
          from chunk_scores cs join doc_scores ds on ds.document_id = cs.document_id)
        select chunk_id as id,
               case when place = 1 then greatest(score, doc_score) else score end as score,
               case when place = 1 then greatest(matched, doc_matched) else matched end as matched,
               (select greatest(sum(chunk_idf), sum(doc_idf)) from idf) as ceiling
        from ranked
        order by 2 desc, chunk_id
        limit ${limit}`,
    );
    return {
      hits: rows.map(({ id, score, matched }) => ({ id, score, matched })),
      ceiling: rows[0]?.ceiling ?? 0,
    };
  },

  async documentIdsOf(db: Executor, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await queryRows<{ id: string; document_id: string }>(
      db,
      sql`select id, document_id from chunks where id = any(${uuidArray(ids)})`,
    );
    return new Map(rows.map((row) => [row.id, row.document_id]));
  },

  async details(db: Executor, ids: string[]): Promise<ChunkDetail[]> {
    if (ids.length === 0) return [];
    return queryRows<ChunkDetail>(
      db,
      sql`select c.id, c.document_id, c.chunk_index, c.content, c.heading_path, c.token_count, d.title,
                 d.document_type, d.collection_id, col.name as collection_name
          from chunks c join documents d on d.id = c.document_id join collections col on col.id = d.collection_id
          where c.id = any(${uuidArray(ids)})`,
    );
  },
};
