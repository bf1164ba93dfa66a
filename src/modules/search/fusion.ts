/**
 * Score-aware fusion of the keyword (BM25) and semantic (cosine) legs, mixed with a keyword weight chosen per
 * embedding provider by measurement (bench/).
 *
 * BM25 is normalised by the query's ceiling (what a chunk matching every query term once at average length would
 * score), not by the best hit: a chunk sharing one common word with a paraphrased question then counts for
 * little, while a chunk matching most of a technical claim counts for much. (Normalising by the best hit made any
 * weak match look perfect and let it outrank the right semantic hit.) The share is not capped at 1: repeated
 * terms in a short text legitimately score above the ceiling, and capping made such hits tie (measured on
 * SciFact: 0.691 capped, 0.698 uncapped, paraphrase MRR unchanged). Cosine is min–max normalised over the
 * candidates. Keyword
 * candidates missing from the semantic top-k are re-scored by the caller so every candidate has a real cosine;
 * a semantic candidate with no keyword score scores 0 there. With no keyword match, the order is the semantic one.
 */

export interface Candidate {
  id: string;
  keyword?: number | undefined;
  /** Distinct query terms the candidate contains (keyword candidates only). */
  matched?: number | undefined;
  semantic?: number | undefined;
}

export interface Fused {
  id: string;
  score: number;
  /** BM25 as a share of the query's ceiling (null: not a keyword candidate); the relevance model reads it. */
  share: number | null;
  keyword: { score: number | null; rank: number | null };
  semantic: { score: number | null; rank: number | null };
}

function ranks(candidates: Candidate[], key: 'keyword' | 'semantic'): Map<string, number> {
  const scored = candidates.filter((c) => c[key] !== undefined);
  scored.sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0));
  return new Map(scored.map((c, i) => [c.id, i + 1]));
}

export function fuse(candidates: Candidate[], keywordWeight: number, keywordCeiling = 0): Fused[] {
  const maxKeyword =
    keywordCeiling > 0 ? keywordCeiling : Math.max(0, ...candidates.map((c) => c.keyword ?? 0));
  const semantic = candidates.map((c) => c.semantic).filter((s): s is number => s !== undefined);
  const minSemantic = Math.min(...semantic);
  const spread = Math.max(...semantic) - minSemantic;
  const keywordRanks = ranks(candidates, 'keyword');
  const semanticRanks = ranks(candidates, 'semantic');
  return candidates
    .map((c) => {
      const k = maxKeyword > 0 ? (c.keyword ?? 0) / maxKeyword : 0;
      const s = c.semantic === undefined ? 0 : spread > 0 ? (c.semantic - minSemantic) / spread : 1;
      return {
        id: c.id,
        score: keywordWeight * k + (1 - keywordWeight) * s,
        share: c.keyword === undefined || maxKeyword <= 0 ? null : k,
        keyword: { score: c.keyword ?? null, rank: keywordRanks.get(c.id) ?? null },
        semantic: { score: c.semantic ?? null, rank: semanticRanks.get(c.id) ?? null },
      };
    })
    .sort(
      (a, b) =>
        b.score - a.score ||
        // Equal mixes (e.g. no keyword match and the same cosine) fall back to BM25, then cosine.
        (b.keyword.score ?? 0) - (a.keyword.score ?? 0) ||
        (b.semantic.score ?? 0) - (a.semantic.score ?? 0) ||
        a.id.localeCompare(b.id),
    );
}

/** How much of the query the best keyword candidate answers: its BM25 as a share of the query's ceiling. */
export function keywordCoverage(candidates: Candidate[], ceiling: number): number {
  if (ceiling <= 0) return 0;
  return Math.min(1, Math.max(0, ...candidates.map((c) => c.keyword ?? 0)) / ceiling);
}

/** Most distinct query terms any keyword candidate contains. */
export function bestMatchedTerms(candidates: Candidate[]): number {
  return Math.max(0, ...candidates.map((c) => c.matched ?? 0));
}
