import { type SQL, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import {
  byRarity,
  ESSENTIAL_POSTINGS_BUDGET,
  essentialCount,
  isExact,
  scoreBound,
  type TermStatistics,
  widenedCount,
} from './keyword-pruning.js';
import {
  type ChunkHit,
  documentFilterSql,
  type SearchFilter,
  textArray,
  uuidArray,
} from './search-filter.js';

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

export interface Bm25Params {
  k1: number;
  b: number;
}

/** How the keyword leg prunes; only tests and benches change it. */
export interface KeywordPruning {
  /** Postings read in full on the first try (see keyword-pruning.ts). */
  essentialBudget: number;
}

/** What a search cost, for benches: tries made and the terms read in full on the last one. */
export interface KeywordTrace {
  tries: number;
  essential: number;
  terms: number;
}

interface Corpus {
  avgdl: number;
  avgdocl: number;
}

/** A second, wider pruned try is made only while it reads at most this many times the first try's budget. */
const WIDE_TRY_POSTINGS = 4;

/** Queries with at most this many times the budget in postings are answered by the full scan at once. */
const SCAN_OUTRIGHT = 2;

const postingsIn = (terms: TermStatistics[]) => terms.reduce((sum, t) => sum + t.df, 0);

const float8Array = (values: number[]) => sql`${`{${values.join(',')}}`}::float8[]`;

async function termStatistics(
  db: Executor,
  query: string,
  colls: SQL,
): Promise<{ terms: TermStatistics[]; corpus: Corpus }> {
  const rows = await queryRows<TermStatistics & Corpus & { term: string | null }>(
    db,
    sql`with terms as (select distinct u.lexeme as term from unnest(to_tsvector('english', ${query})) u),
      corpus as (
        select greatest(coalesce(sum(chunk_count), 0), 1)::float8 as n,
               greatest(coalesce(sum(total_length), 0)::float8 / greatest(coalesce(sum(chunk_count), 0), 1), 1)
                 as avgdl,
               greatest(coalesce(sum(document_count), 0), 1)::float8 as dn,
               greatest(coalesce(sum(document_length), 0)::float8 / greatest(coalesce(sum(document_count), 0), 1),
                        1) as avgdocl
        from collection_stats where collection_id = any(${colls}))
      select terms.term, coalesce(s.df, 0)::float8 as df,
             ln(1 + (corpus.n - coalesce(s.df, 0) + 0.5) / (coalesce(s.df, 0) + 0.5)) as "chunkIdf",
             ln(1 + (corpus.dn - coalesce(s.ddf, 0) + 0.5) / (coalesce(s.ddf, 0) + 0.5)) as "docIdf",
             corpus.avgdl, corpus.avgdocl
      from corpus left join terms on true
      left join (
        select term, sum(doc_freq)::float8 as df, sum(document_freq)::float8 as ddf from term_stats
        where collection_id = any(${colls}) and term in (select term from terms)
        group by term) s on s.term = terms.term`,
  );
  const first = rows[0];
  const corpus = { avgdl: first?.avgdl ?? 1, avgdocl: first?.avgdocl ?? 1 };
  const terms = rows
    .filter((r): r is typeof r & { term: string } => r.term !== null)
    .map(({ term, df, chunkIdf, docIdf }) => ({ term, df, chunkIdf, docIdf }));
  return { terms, corpus };
}

/** The SQL pieces every query shares: the query's IDFs and the BM25 of one posting. */
function scoring(terms: TermStatistics[], corpus: Corpus, { k1: k1Value, b: bValue }: Bm25Params) {
  const k1 = sql`${k1Value}::float8`;
  const b = sql`${bValue}::float8`;
  const bm25 = (idf: SQL, tf: SQL, length: SQL, average: SQL) =>
    sql`${idf} * ${tf} * (${k1} + 1) / (${tf} + ${k1} * (1 - ${b} + ${b} * ${length} / ${average}))`;
  return {
    idf: sql`idf as (
      select * from unnest(${textArray(terms.map((t) => t.term))}, ${float8Array(terms.map((t) => t.chunkIdf))},
                           ${float8Array(terms.map((t) => t.docIdf))}) as i(term, chunk_idf, doc_idf))`,
    /** Over postings `p` joined to `idf`. */
    chunkBm25: bm25(sql`idf.chunk_idf`, sql`p.tf`, sql`p.chunk_length`, sql`${corpus.avgdl}::float8`),
    /** Over a document's summed frequencies `t` joined to `idf` and its document `d`. */
    documentBm25: bm25(sql`idf.doc_idf`, sql`t.tf`, sql`d.lexeme_count`, sql`${corpus.avgdocl}::float8`),
  };
}

/**
 * From a CTE `<from>` (chunk_id, document_id, term, tf, chunk_length) holding every posting of the documents
 * it covers, the top `limit` chunks as CTE `<prefix>top`: chunk-level BM25, document-level BM25, the better of
 * the two for each document's best chunk. `prefix` keeps the CTEs of two rankings in one query apart.
 */
function rankedTop(score: ReturnType<typeof scoring>, limit: number, from = 'postings', prefix = ''): SQL {
  const name = (n: string) => sql.raw(`${prefix}${n}`);
  const source = sql.raw(from);
  return sql`${name('chunk_scores')} as (
      select p.chunk_id, p.document_id, count(*)::int as matched, sum(${score.chunkBm25}) as score
      from ${source} p join idf on idf.term = p.term
      group by p.chunk_id, p.document_id),
    ${name('doc_scores')} as (
      select t.document_id, count(*)::int as matched, sum(${score.documentBm25}) as score
      from (select document_id, term, sum(tf) as tf from ${source} group by document_id, term) t
      join idf on idf.term = t.term join documents d on d.id = t.document_id
      group by t.document_id),
    ${name('ranked')} as (
      select cs.chunk_id, cs.score, cs.matched, ds.score as doc_score, ds.matched as doc_matched,
             row_number() over (partition by cs.document_id order by cs.score desc, cs.chunk_id) as place
      from ${name('chunk_scores')} cs join ${name('doc_scores')} ds on ds.document_id = cs.document_id),
    ${name('top')} as (
      select chunk_id as id,
             case when place = 1 then greatest(score, doc_score) else score end as score,
             case when place = 1 then greatest(matched, doc_matched) else matched end as matched
      from ${name('ranked')}
      order by 2 desc, chunk_id
      limit ${limit})`;
}

const postingsOf = (colls: SQL, terms: TermStatistics[], documentFilter: SQL) =>
  sql`select p.chunk_id, p.document_id, p.term, p.tf::float8 as tf, p.chunk_length from chunk_terms p
      where p.collection_id = any(${colls}) and p.term = any(${textArray(terms.map((t) => t.term))})
        ${documentFilter}`;

/** Every posting of every term: what the pruned tries must agree with, and the last resort. */
async function fullScan(
  db: Executor,
  colls: SQL,
  documentFilter: SQL,
  terms: TermStatistics[],
  corpus: Corpus,
  limit: number,
  params: Bm25Params,
): Promise<KeywordHits['hits']> {
  const score = scoring(terms, corpus, params);
  return queryRows<ChunkHit & { matched: number }>(
    db,
    sql`with ${score.idf}, postings as (${postingsOf(colls, terms, documentFilter)}), ${rankedTop(score, limit)}
        select id, score, matched from top order by score desc, id`,
  );
}

/**
 * One pruned try: the postings of the `essential` terms in full, then two rounds of complete scoring, the other
 * terms' postings looked up by primary key for the chunks of the documents scored only. First the documents of
 * the `limit` best chunks by partial score (the seed): the k-th best of their complete scores is a score the
 * answer reaches, `theta`. Then every document whose partial scores plus the other terms' bound can reach
 * `theta` is scored completely. Every chunk of a scored document is scored exactly as the full scan scores it,
 * so the document-level BM25 and the choice of its best chunk are unchanged. The try returns the k-th best
 * complete score: the answer is exact when no chunk without an essential term can reach it (`isExact`).
 */
async function prunedTry(
  db: Executor,
  colls: SQL,
  documentFilter: SQL,
  essential: TermStatistics[],
  rest: TermStatistics[],
  corpus: Corpus,
  limit: number,
  params: Bm25Params,
): Promise<{ hits: KeywordHits['hits']; theta: number }> {
  const score = scoring([...essential, ...rest], corpus, params);
  const bound = scoreBound(rest, params.k1);
  const restTerms = textArray(rest.map((t) => t.term));
  /** Every posting of the query's terms in the chunks of the documents listed in CTE `docs`. */
  const completed = (docs: string) => {
    const from = sql.raw(docs);
    return sql`select p.* from essential_postings p where p.document_id in (select document_id from ${from})
        union all
        select p.chunk_id, p.document_id, p.term, p.tf::float8 as tf, p.chunk_length
        from ${from} s join chunks c on c.document_id = s.document_id
        join chunk_terms p on p.collection_id = c.collection_id and p.chunk_id = c.id and p.term = any(${restTerms})`;
  };
  const kthBest = (top: string) =>
    sql`coalesce((select score from ${sql.raw(top)} order by score desc offset ${limit - 1} limit 1), 0)`;
  const rows = await queryRows<ChunkHit & { matched: number | null; theta: number }>(
    db,
    sql`with ${score.idf},
      essential_postings as (${postingsOf(colls, essential, documentFilter)}),
      partial_chunks as (
        select p.chunk_id, p.document_id, sum(${score.chunkBm25}) as score
        from essential_postings p join idf on idf.term = p.term
        group by p.chunk_id, p.document_id),
      partial_docs as (
        select t.document_id, sum(${score.documentBm25}) as score
        from (select document_id, term, sum(tf) as tf from essential_postings group by document_id, term) t
        join idf on idf.term = t.term join documents d on d.id = t.document_id
        group by t.document_id),
      seed as (
        select distinct document_id
        from (select document_id from partial_chunks order by score desc, chunk_id limit ${limit}) best),
      seed_postings as (${completed('seed')}),
      ${rankedTop(score, limit, 'seed_postings', 'seed_')},
      theta as (select ${kthBest('seed_top')} as v),
      surviving as (
        select pd.document_id from partial_docs pd
        join (select document_id, max(score) as best from partial_chunks group by document_id) pc
          on pc.document_id = pd.document_id
        cross join theta
        where pc.best + ${bound.chunk}::float8 >= theta.v or pd.score + ${bound.document}::float8 >= theta.v),
      postings as (${completed('surviving')}),
      ${rankedTop(score, limit)}
      select top.id, top.score, top.matched, ${kthBest('top')} as theta
      from (select 1) one left join top on true
      order by top.score desc nulls last, top.id`,
  );
  const theta = rows[0]?.theta ?? 0;
  const hits = rows
    .filter((r): r is typeof r & { matched: number } => r.id !== null && r.matched !== null)
    .map(({ id, score, matched }) => ({ id, score, matched }));
  return { hits, theta };
}

export const keywordRepository = {
  /**
   * BM25 (k1, b) from the postings of the query's terms, with frequencies and lengths summed over the searched
   * collections only: scores depend on the caller's data, never on other tenants'. Every chunk containing any
   * query term is a candidate (an AND of all terms finds nothing for most real questions), but the postings of
   * common terms are read only for chunks that can still reach the top `limit` (keyword-pruning.ts): the
   * result is the one a scan of every posting gives.
   *
   * A document split into several chunks also gets a document-level BM25 (term frequencies summed over its
   * chunks, document frequencies counted per document), and its best chunk scores the better of the two: a
   * short text cut in two by the chunk size limit still ranks as the whole it is, while in a long document the
   * length normalisation keeps the document score low and the passage score decides.
   */
  async search(
    db: Executor,
    query: string,
    filter: SearchFilter,
    limit: number,
    params: Bm25Params = { k1: 1.2, b: 0.75 },
    pruning: KeywordPruning = { essentialBudget: ESSENTIAL_POSTINGS_BUDGET },
    trace?: KeywordTrace,
  ): Promise<KeywordHits> {
    const colls = uuidArray(filter.collectionIds);
    const onDocument = documentFilterSql(filter);
    const documentFilter = onDocument
      ? sql`and p.document_id in (select d.id from documents d where d.collection_id = any(${colls}) and ${onDocument})`
      : sql``;
    const { terms, corpus } = await termStatistics(db, query, colls);
    if (terms.length === 0 || limit < 1) return { hits: [], ceiling: 0 };
    const ceiling = Math.max(
      terms.reduce((sum, t) => sum + t.chunkIdf, 0),
      terms.reduce((sum, t) => sum + t.docIdf, 0),
    );
    const sorted = byRarity(terms);
    const done = (hits: KeywordHits['hits'], tries: number, essential: number) => {
      if (trace) Object.assign(trace, { tries, essential, terms: sorted.length });
      return { hits, ceiling: hits.length > 0 ? ceiling : 0 };
    };
    // A pruned try reads up to the budget in full and then probes the other terms for its candidates: when every
    // posting together is within twice the budget, reading them all is the cheaper of the two.
    let count =
      postingsIn(sorted) <= SCAN_OUTRIGHT * pruning.essentialBudget
        ? sorted.length
        : essentialCount(sorted, pruning.essentialBudget);
    for (let tries = 1; count < sorted.length; tries++) {
      const rest = sorted.slice(count);
      const { hits, theta } = await prunedTry(
        db,
        colls,
        documentFilter,
        sorted.slice(0, count),
        rest,
        corpus,
        limit,
        params,
      );
      if (isExact(rest, theta, params.k1)) return done(hits, tries, count);
      count = widenedCount(sorted, count, theta, params.k1);
      // A wide try costs what the full scan costs and more; past this, scan.
      if (postingsIn(sorted.slice(0, count)) > WIDE_TRY_POSTINGS * pruning.essentialBudget)
        count = sorted.length;
      if (count === sorted.length) {
        return done(
          await fullScan(db, colls, documentFilter, sorted, corpus, limit, params),
          tries + 1,
          count,
        );
      }
    }
    return done(await fullScan(db, colls, documentFilter, sorted, corpus, limit, params), 1, sorted.length);
  },
};
