/**
 * MaxScore for the keyword leg: which query terms' postings are read in full, and when the result is exact.
 *
 * A term contributes at most `(k1 + 1) · idf` to a BM25 score, at chunk level and at document level alike
 * (the saturating `tf · (k1 + 1) / (tf + k1 · norm)` stays below `k1 + 1`). Postings are read in full only for
 * the rarest terms (the "essential" ones, few postings, high IDF); a chunk with none of them scores at most the
 * other terms' summed bounds. Once the k-th best complete score among the documents scored is above that
 * bound, nothing unread can enter the top k, and the common terms are only looked up for the candidates that
 * can still make it (index probes instead of their whole posting lists).
 */

/** A query term with its statistics over the searched collections. */
export interface TermStatistics {
  term: string;
  /** Chunks containing the term. */
  df: number;
  chunkIdf: number;
  docIdf: number;
}

/** The most one group of terms can add to a chunk's score and to its document's. */
export interface ScoreBound {
  chunk: number;
  document: number;
}

/** Postings read in full on the first try: about what a query of a few mid-frequency terms costs anyway. */
export const ESSENTIAL_POSTINGS_BUDGET = 4_000;

export function scoreBound(terms: readonly TermStatistics[], k1: number): ScoreBound {
  let chunk = 0;
  let document = 0;
  for (const t of terms) {
    chunk += (k1 + 1) * t.chunkIdf;
    document += (k1 + 1) * t.docIdf;
  }
  return { chunk, document };
}

/** The most a chunk holding only these terms can score, its document's score included. */
export const boundOf = (bound: ScoreBound) => Math.max(bound.chunk, bound.document);

/** Rarest first; equal frequencies by term, so a query is always split the same way. */
export function byRarity(terms: readonly TermStatistics[]): TermStatistics[] {
  return [...terms].sort((a, b) => a.df - b.df || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
}

/**
 * How many of the rarest terms (of `sorted`) to read in full first: as many as fit `budget` postings, at least
 * one. Terms that occur nowhere cost nothing and always count as read.
 */
export function essentialCount(sorted: readonly TermStatistics[], budget: number): number {
  let count = 0;
  let postings = 0;
  for (const t of sorted) {
    if (postings > 0 && postings + t.df > budget) break;
    postings += t.df;
    count++;
  }
  return count;
}

/** Whether no chunk outside the candidates read can reach `theta`, the k-th best candidate score. */
export const isExact = (rest: readonly TermStatistics[], theta: number, k1: number) =>
  rest.length === 0 || boundOf(scoreBound(rest, k1)) < theta;

/**
 * After a try that was not exact: how many of the rarest terms to read so that the remaining terms' bound is
 * below `theta`. `theta` is a complete score the answer reaches, so the answer's k-th best is at least it and
 * the next try, which scores every chunk that can reach that, is exact; with no useful `theta` every term is read.
 */
export function widenedCount(
  sorted: readonly TermStatistics[],
  from: number,
  theta: number,
  k1: number,
): number {
  let count = from;
  while (count < sorted.length && !isExact(sorted.slice(count), theta, k1)) count++;
  return count;
}
