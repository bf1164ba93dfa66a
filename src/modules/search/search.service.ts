import { assertCollectionVisible, collectionScope } from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { VectorStoreUnavailableError } from '../../errors.js';
import { countTokens, truncateToTokens } from '../../ingest/tokenizer.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import { bestMatchedTerms, type Candidate, type Fused, fuse, keywordCoverage } from './fusion.js';
import { type QuerySignals, relevance, type Standing } from './relevance.js';
import { idleRerankReport, type Reranker, type RerankReport, rerankRanking } from './rerank.js';
import { type ChunkDetail, type SearchFilter, searchRepository } from './search.repository.js';

export type SearchMode = 'hybrid' | 'semantic' | 'keyword';

/** Whatever is asked, a response never carries more than this many tokens (MCP clients reject ~25k). */
export const HARD_TOKEN_CAP = 20_000;
/** Candidates taken from each leg before fusion. */
const LEG_CANDIDATES = 100;
/** A result cut to fit the budget must keep at least this many tokens of content to be worth showing. */
const MIN_PARTIAL_TOKENS = 40;

export interface SearchInput {
  principal: Principal;
  query: string;
  mode: SearchMode;
  maxResults: number;
  maxTokens: number;
  /** Relevance floor in [0, 1]; results below it are left out (0 keeps everything ranked). */
  minScore: number;
  collectionIds?: string[] | undefined;
  documentTypes?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  updatedAfter?: string | undefined;
  updatedBefore?: string | undefined;
}

/** A fused candidate with its calibrated relevance (relevance.ts), which is what callers see as `score`. */
type Ranked = Fused & { relevance: number; standing: Standing; signals: QuerySignals };

/** What the benchmarks read: the ranking with each chunk's relevance and the inputs it was computed from. */
export interface RankedChunk {
  chunkId: string;
  documentId: string;
  score: number;
  standing: Standing;
  signals: QuerySignals;
}

export interface SearchResult {
  document_id: string;
  title: string;
  chunk_index: number;
  content: string;
  score: number;
  collection: string;
  collection_id: string;
  document_type: string;
  heading_path: string[];
  truncated: boolean;
  ranks: { keyword: number | null; semantic: number | null };
  scores: { keyword: number | null; semantic: number | null; rerank: number | null };
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  results: SearchResult[];
  total_results: number;
  tokens_used: number;
  formatted_context: string;
  rerank: RerankReport | null;
  /** Present when the answer is not what the mode promises: hybrid answered by its keyword leg alone. */
  degraded?: SearchDegradation;
}

export interface SearchDegradation {
  reason: 'VECTOR_STORE_UNAVAILABLE';
  message: string;
}

function resultHeader(detail: ChunkDetail, score: number): string {
  const where = detail.heading_path.slice(1).join(' › ');
  return `## ${detail.title}\n*Collection: ${detail.collection_name}${where ? ` · ${where}` : ''} · relevance ${score.toFixed(2)}*\n\n`;
}
const SEPARATOR = '\n\n---\n\n';

/**
 * How much hybrid trusts the keyword leg, per query. When the best keyword match shares at least two distinct
 * terms with the query, keyword evidence is real and gets the higher weight; a single shared word (typical of a
 * paraphrased question) gets the lower one, letting the embedding model decide. Measured with
 * bench/tune-fusion.ts for the bundled model (see README); for API models, which are strong on their own, the
 * weights lean further to semantic (not measured here: no API model is reachable from this machine).
 */
export interface KeywordWeights {
  strong: number;
  weak: number;
}

export function defaultKeywordWeights(provider: 'local' | 'openai', fixed?: number): KeywordWeights {
  if (fixed !== undefined) return { strong: fixed, weak: fixed };
  return provider === 'local' ? { strong: 0.8, weak: 0.5 } : { strong: 0.5, weak: 0.3 };
}

/** Distinct query terms the best keyword match must share for keyword evidence to count as strong. */
const STRONG_MATCH_TERMS = 2;

export function createSearchService(
  ctx: Pick<AppContext, 'db' | 'embedder' | 'vectors' | 'log'> & {
    keywordWeights: KeywordWeights;
    reranker?: Reranker;
  },
) {
  const { db, embedder, vectors, keywordWeights, reranker, log } = ctx;

  async function scopeIds(principal: Principal, requested?: string[]): Promise<string[]> {
    if (requested && requested.length > 0) {
      const ids: string[] = [];
      for (const id of new Set(requested)) {
        ids.push(assertCollectionVisible(principal, await collectionsRepository.findById(db, id)).id);
      }
      return ids;
    }
    const scope = collectionScope(principal);
    if (scope.kind === 'collection') return [scope.collectionId];
    const page = await collectionsRepository.listForOwner(db, scope.userId, { limit: 100_000, offset: 0 });
    return page.rows.map((row) => row.id);
  }

  /** The ranking, of which the caller reads the first `wanted` results. */
  async function rank(input: SearchInput, filter: SearchFilter, wanted: number): Promise<Ranked[]> {
    const wantKeyword = input.mode !== 'semantic';
    const wantSemantic = input.mode !== 'keyword';
    // Keyword mode is ordered by BM25 alone and its relevance reads only the leaders, so its first `wanted`
    // results are the same whether the leg returns those or a hundred; a smaller k lets the pruning stop sooner.
    // Hybrid mixes in the semantic leg and needs the deeper keyword list.
    const keywordLimit = input.mode === 'keyword' ? Math.max(1, wanted) : LEG_CANDIDATES;
    const [keyword, queryVector] = await Promise.all([
      wantKeyword
        ? searchRepository.keyword(db, input.query, filter, keywordLimit)
        : Promise.resolve({ hits: [], ceiling: 0 }),
      wantSemantic ? embedder.embed([input.query], 'query').then(([v]) => v) : Promise.resolve(undefined),
    ]);
    const candidates = new Map<string, Candidate>(
      keyword.hits.map((h) => [h.id, { id: h.id, keyword: h.score, matched: h.matched }]),
    );
    if (queryVector) {
      const denseHits = await vectors.search({ vector: queryVector, filter, limit: LEG_CANDIDATES });
      for (const hit of denseHits)
        candidates.set(hit.id, { ...candidates.get(hit.id), id: hit.id, semantic: hit.score });
      const unscored = [...candidates.values()].filter((c) => c.semantic === undefined).map((c) => c.id);
      for (const hit of await vectors.similarities(queryVector, unscored)) {
        const candidate = candidates.get(hit.id);
        if (candidate) candidate.semantic = hit.score;
      }
    }
    const all = [...candidates.values()];
    const strong = bestMatchedTerms(all) >= STRONG_MATCH_TERMS;
    const hybridWeight = strong ? keywordWeights.strong : keywordWeights.weak;
    const weight = input.mode === 'keyword' ? 1 : input.mode === 'semantic' ? 0 : hybridWeight;
    const fused = fuse(all, weight, keyword.ceiling);
    const signals: QuerySignals = {
      bestCosine: wantSemantic ? Math.max(0, ...all.map((c) => c.semantic ?? 0)) : 0,
      coverage: wantKeyword ? keywordCoverage(all, keyword.ceiling) : 0,
    };
    // A single-leg mode is ordered in its own units (BM25, cosine), not by the normalised mix.
    const leg = input.mode === 'keyword' ? 'keyword' : 'semantic';
    const ordered =
      input.mode === 'hybrid'
        ? fused
        : fused.sort((a, b) => (b[leg].score ?? 0) - (a[leg].score ?? 0) || a.id.localeCompare(b.id));
    // Relevance reads each mode's own ranking score: the mix for hybrid, BM25's share of the ceiling for keyword
    // (the same order as BM25 itself), the cosine for semantic.
    const own = (f: Fused | undefined) =>
      f === undefined
        ? 0
        : input.mode === 'hybrid'
          ? f.score
          : input.mode === 'keyword'
            ? (f.share ?? 0)
            : (f.semantic.score ?? 0);
    const best = own(ordered[0]);
    // A lone candidate does not "stand out" from a field it does not have: with no second, the gap is 0 (the
    // models were fitted on lists of ten or more, where a large gap is real evidence).
    const second = ordered.length > 1 ? own(ordered[1]) : best;
    return ordered.map((f, place) => {
      const standing: Standing = { own: own(f), place, best, second };
      return { ...f, standing, signals, relevance: relevance(input.mode, standing, signals) };
    });
  }

  /**
   * Hybrid survives the vector store being down (Qdrant): it answers from the keyword leg and says so. Semantic
   * cannot, and fails with the store's 503.
   */
  async function rankOrFallback(
    input: SearchInput,
    filter: SearchFilter,
    wanted: number,
  ): Promise<{ ranked: Ranked[]; degraded?: SearchDegradation }> {
    try {
      return { ranked: await rank(input, filter, wanted) };
    } catch (error) {
      if (!(error instanceof VectorStoreUnavailableError) || input.mode !== 'hybrid') throw error;
      log.warn({ err: error }, 'vector store unavailable; hybrid search answered by keyword alone');
      return {
        ranked: await rank({ ...input, mode: 'keyword' }, filter, wanted),
        degraded: {
          reason: 'VECTOR_STORE_UNAVAILABLE',
          message: `Keyword results only: ${error.message}`,
        },
      };
    }
  }

  return {
    /**
     * The ranking alone, without token budget or presentation: chunk ids with their document ids, best first.
     * Used by the benchmarks, which need deeper lists (Recall@100) than a response may carry.
     */
    async rankChunks(input: SearchInput, limit: number): Promise<RankedChunk[]> {
      const collectionIds = await scopeIds(input.principal, input.collectionIds);
      if (collectionIds.length === 0) return [];
      const ranked = (await rank(input, { ...input, collectionIds }, limit)).slice(0, limit);
      const owners = await searchRepository.documentIdsOf(
        db,
        ranked.map((r) => r.id),
      );
      return ranked.flatMap((r) => {
        const documentId = owners.get(r.id);
        return documentId
          ? [{ chunkId: r.id, documentId, score: r.relevance, standing: r.standing, signals: r.signals }]
          : [];
      });
    },

    async search(input: SearchInput): Promise<SearchResponse> {
      const collectionIds = await scopeIds(input.principal, input.collectionIds);
      const empty = {
        query: input.query,
        mode: input.mode,
        results: [],
        total_results: 0,
        tokens_used: 0,
        formatted_context: '',
        rerank: idleRerankReport(reranker),
      };
      if (collectionIds.length === 0) return empty;
      const filter: SearchFilter = { ...input, collectionIds };
      // The floor applies to the calibrated relevance first; with a reranker, its top N candidates above the
      // floor are then fetched and reordered (rerank.ts); without, N is 0.
      const wanted = Math.max(input.maxResults, reranker?.topN ?? 0);
      const { ranked: all, degraded } = await rankOrFallback(input, filter, wanted);
      // Relevance falls along the ranking, so the results above the floor are a prefix of it.
      const pool = all.filter((r) => r.relevance >= input.minScore).slice(0, wanted);
      const details = new Map(
        (
          await searchRepository.details(
            db,
            pool.map((r) => r.id),
          )
        ).map((d) => [d.id, d]),
      );
      const reranked = await rerankRanking(reranker, input.query, pool, (id) => details.get(id)?.content);
      const ranked = reranked.ranked.slice(0, input.maxResults);

      const budget = Math.min(input.maxTokens, HARD_TOKEN_CAP);
      const results: SearchResult[] = [];
      const parts: string[] = [];
      // Each part is counted once and the counts summed (re-counting the joined text after every result was
      // quadratic in the results); the check after the loop settles the seams.
      const separatorTokens = countTokens(SEPARATOR);
      let used = 0;
      for (const hit of ranked) {
        const detail = details.get(hit.id);
        if (!detail) continue;
        const header = resultHeader(detail, hit.relevance);
        const contentTokens = countTokens(detail.content);
        const overhead = countTokens(header) + (parts.length > 0 ? separatorTokens : 0);
        const room = budget - used - overhead;
        if (room < Math.min(MIN_PARTIAL_TOKENS, contentTokens)) break;
        const fits = contentTokens <= room;
        const content = fits ? detail.content : truncateToTokens(detail.content, room);
        parts.push(header + content);
        used += overhead + (fits ? contentTokens : countTokens(content));
        results.push({
          document_id: detail.document_id,
          title: detail.title,
          chunk_index: detail.chunk_index,
          content,
          score: hit.relevance,
          collection: detail.collection_name,
          collection_id: detail.collection_id,
          document_type: detail.document_type,
          heading_path: detail.heading_path,
          truncated: !fits,
          ranks: { keyword: hit.keyword.rank, semantic: hit.semantic.rank },
          scores: {
            keyword: hit.keyword.score,
            semantic: hit.semantic.score,
            rerank: reranked.scores.get(hit.id) ?? null,
          },
        });
        if (!fits) break;
      }
      // Token counts of joined text can differ from the sum of the parts by a token at a seam; trim the last
      // result until the whole context is within budget, so the budget is a hard limit.
      let formatted = parts.join(SEPARATOR);
      let tokensUsed = countTokens(formatted);
      while (results.length > 0 && tokensUsed > budget) {
        const last = results[results.length - 1];
        const lastPart = parts[parts.length - 1];
        if (!last || lastPart === undefined) break;
        const excess = tokensUsed - budget;
        const keep = countTokens(last.content) - excess - 2;
        if (keep < 1) {
          results.pop();
          parts.pop();
        } else {
          const header = lastPart.slice(0, lastPart.length - last.content.length);
          last.content = truncateToTokens(last.content, keep);
          last.truncated = true;
          parts[parts.length - 1] = header + last.content;
        }
        formatted = parts.join(SEPARATOR);
        tokensUsed = countTokens(formatted);
      }
      return {
        ...empty,
        results,
        total_results: ranked.length,
        tokens_used: tokensUsed,
        formatted_context: formatted,
        rerank: reranked.report,
        ...(degraded ? { degraded } : {}),
      };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
