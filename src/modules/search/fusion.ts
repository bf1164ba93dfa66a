/**
 * Score-aware fusion of the keyword (BM25) and semantic (cosine) legs. Each leg's scores are normalised over
 * the union of candidates (BM25 by its maximum, cosine min–max), then mixed with a keyword weight chosen per
 * embedding provider by measurement (bench/). Keyword candidates missing from the semantic top-k are re-scored
 * by the caller so every candidate has a real cosine; a semantic candidate with no keyword score matched no
 * query term well enough and scores 0 there. With no keyword matches at all, the order is the semantic order.
 */

export interface Candidate {
  id: string;
  keyword?: number | undefined;
  semantic?: number | undefined;
}

export interface Fused {
  id: string;
  score: number;
  keyword: { score: number | null; rank: number | null };
  semantic: { score: number | null; rank: number | null };
}

function ranks(candidates: Candidate[], key: 'keyword' | 'semantic'): Map<string, number> {
  const scored = candidates.filter((c) => c[key] !== undefined);
  scored.sort((a, b) => (b[key] ?? 0) - (a[key] ?? 0));
  return new Map(scored.map((c, i) => [c.id, i + 1]));
}

export function fuse(candidates: Candidate[], keywordWeight: number): Fused[] {
  const maxKeyword = Math.max(0, ...candidates.map((c) => c.keyword ?? 0));
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
        keyword: { score: c.keyword ?? null, rank: keywordRanks.get(c.id) ?? null },
        semantic: { score: c.semantic ?? null, rank: semanticRanks.get(c.id) ?? null },
      };
    })
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
