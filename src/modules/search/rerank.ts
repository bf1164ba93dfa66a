import { z } from 'zod';
import { type Config, RERANK_DEFAULT_URLS } from '../../config.js';

/**
 * An optional cross-encoder reranker behind the common `/rerank` HTTP API. It reorders the best few fused
 * candidates of a search; it is an improvement, never a dependency: any failure (timeout, refused connection,
 * non-2xx, a body that is not the expected shape) leaves the fused order in place and is reported in the
 * response. One attempt per search, no retries: a search must not wait on, or pile load onto, a struggling
 * reranker.
 */

/** Cohere v2 `/v2/rerank`, Jina `/v1/rerank` and vLLM `/rerank` (or `/v1/rerank`) answer in this shape. */
const scoredResultsResponse = z.object({
  results: z.array(z.object({ index: z.number().int().min(0), relevance_score: z.number() })),
});
/** Hugging Face text-embeddings-inference `/rerank` answers a bare array. */
const teiResponse = z.array(z.object({ index: z.number().int().min(0), score: z.number() }));

export type RerankProvider = 'cohere' | 'jina' | 'tei' | 'vllm';

export interface RerankCandidate {
  id: string;
  text: string;
}

/** The candidates the reranker scored, best first. */
export interface RerankOrder {
  order: { id: string; score: number }[];
}

export interface Reranker {
  /** The configured model name, reported in search responses; undefined when the server picks (tei, vllm). */
  readonly model: string | undefined;
  /** How many of the best fused candidates a search sends. */
  readonly topN: number;
  rerank(query: string, candidates: RerankCandidate[]): Promise<RerankOrder>;
}

export interface RerankerOptions {
  provider: RerankProvider;
  /** The full endpoint URL. */
  url: string;
  apiKey?: string | undefined;
  model?: string | undefined;
  timeoutMs: number;
  topN: number;
}

export class RerankError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RerankError';
  }
}

function requestBody(options: RerankerOptions, query: string, texts: string[]): unknown {
  if (options.provider === 'tei') {
    // TEI refuses inputs longer than its model's window unless asked to truncate; scores stay in [0, 1].
    return { query, texts, raw_scores: false, return_text: false, truncate: true };
  }
  return {
    ...(options.model ? { model: options.model } : {}),
    query,
    documents: texts,
    top_n: texts.length,
  };
}

/** Indexes and scores from either shape, checked against the number of documents sent. */
function parseScores(provider: RerankProvider, body: unknown, count: number): Map<number, number> {
  const parsed =
    provider === 'tei'
      ? teiResponse.safeParse(body)
      : scoredResultsResponse
          .transform((r) => r.results.map((x) => ({ index: x.index, score: x.relevance_score })))
          .safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RerankError(
      `reranker answered an unexpected shape${issue ? ` (${issue.path.join('.') || 'body'}: ${issue.message})` : ''}`,
    );
  }
  const scores = new Map<number, number>();
  for (const { index, score } of parsed.data) {
    if (index >= count) throw new RerankError(`reranker answered index ${index} for ${count} documents`);
    if (scores.has(index)) throw new RerankError(`reranker answered index ${index} twice`);
    scores.set(index, score);
  }
  return scores;
}

function describeFetchFailure(error: unknown, timeoutMs: number): RerankError {
  if (error instanceof RerankError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new RerankError(`reranker did not answer within ${timeoutMs} ms`);
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code =
    typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : 'unknown';
  return new RerankError(`reranker unreachable (${code})`);
}

/** `onFailure` sees every failure before it is thrown (the composition root logs them). */
export function createReranker(options: RerankerOptions, onFailure?: (error: RerankError) => void): Reranker {
  return {
    model: options.model,
    topN: options.topN,
    async rerank(query, candidates) {
      try {
        return await call(query, candidates);
      } catch (error) {
        const failure = error instanceof RerankError ? error : new RerankError(String(error));
        onFailure?.(failure);
        throw failure;
      }
    },
  };

  async function call(query: string, candidates: RerankCandidate[]): Promise<RerankOrder> {
    if (candidates.length === 0) return { order: [] };
    // One deadline covers connecting, the answer and reading its body.
    const signal = AbortSignal.timeout(options.timeoutMs);
    let body: unknown;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify(
          requestBody(
            options,
            query,
            candidates.map((c) => c.text),
          ),
        ),
        signal,
      });
      // The status only: the body of an error answer is the provider's, not something to show callers.
      if (!response.ok) {
        await response.body?.cancel();
        throw new RerankError(`reranker answered HTTP ${response.status}`);
      }
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        throw new RerankError('reranker answered a body that is not JSON');
      }
    } catch (error) {
      throw describeFetchFailure(error, options.timeoutMs);
    }
    const scores = parseScores(options.provider, body, candidates.length);
    const order = [...scores]
      .sort(([ia, a], [ib, b]) => b - a || ia - ib)
      .flatMap(([index, score]) => {
        const candidate = candidates[index];
        return candidate ? [{ id: candidate.id, score }] : [];
      });
    return { order };
  }
}

/** The reranker the configuration asks for, or undefined when RERANK_PROVIDER is none (the default). */
export function rerankerFromConfig(
  config: Config,
  onFailure?: (error: RerankError) => void,
): Reranker | undefined {
  const provider = config.RERANK_PROVIDER;
  if (provider === 'none') return undefined;
  const url = config.RERANK_API_URL ?? RERANK_DEFAULT_URLS[provider];
  // loadConfig refuses this combination; checked again so a hand-built Config cannot slip through.
  if (!url) throw new Error(`RERANK_API_URL is required with RERANK_PROVIDER=${provider}`);
  return createReranker(
    {
      provider,
      url,
      apiKey: config.RERANK_API_KEY,
      model: config.RERANK_MODEL,
      timeoutMs: config.RERANK_TIMEOUT_MS,
      topN: config.RERANK_TOP_N,
    },
    onFailure,
  );
}

/** What a search response says about reranking; null when no reranker is configured. */
export interface RerankReport {
  applied: boolean;
  model?: string;
  error?: string;
}

/** The report of a configured reranker that was not called (nothing to rerank); null without one. */
export function idleRerankReport(reranker: Reranker | undefined): RerankReport | null {
  if (!reranker) return null;
  return { applied: false, ...(reranker.model ? { model: reranker.model } : {}) };
}

/**
 * Reorders the first `reranker.topN` of a ranking by the reranker's scores; the rest keep their place after
 * them, as do candidates without text or left out of the reranker's answer. On failure the ranking comes back
 * unchanged, with the reason in the report.
 */
export async function rerankRanking<T extends { id: string }>(
  reranker: Reranker | undefined,
  query: string,
  ranked: T[],
  textOf: (id: string) => string | undefined,
): Promise<{ ranked: T[]; scores: Map<string, number>; report: RerankReport | null }> {
  const scores = new Map<string, number>();
  const idle = idleRerankReport(reranker);
  if (!reranker || !idle) return { ranked, scores, report: null };
  const head = ranked.slice(0, reranker.topN).flatMap((hit) => {
    const text = textOf(hit.id);
    return text === undefined ? [] : [{ id: hit.id, text }];
  });
  if (head.length === 0) return { ranked, scores, report: idle };
  try {
    const { order } = await reranker.rerank(query, head);
    for (const { id, score } of order) scores.set(id, score);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ranked, scores, report: { ...idle, error: message } };
  }
  const byId = new Map(ranked.map((hit) => [hit.id, hit]));
  const first = [...scores.keys()].flatMap((id) => byId.get(id) ?? []);
  const rest = ranked.filter((hit) => !scores.has(hit.id));
  return { ranked: [...first, ...rest], scores, report: { ...idle, applied: true } };
}
