/**
 * Any OpenAI-compatible `/embeddings` endpoint: OpenAI, OpenRouter, Ollama, vLLM, TEI and the like.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddingUnavailableError } from '../errors.js';
import type { EmbeddingProvider, EmbeddingPurpose } from './provider.js';
import { normalizeInPlace } from './vector.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

export interface OpenAIProviderOptions {
  /**
   * Base URL up to and including the version, e.g. `https://api.openai.com/v1`; `/embeddings` is appended.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; omit for local servers that need none. */
  apiKey?: string;
  model: string;
  /**
   * Output dimension. When set it is sent as `dimensions` (for models that can shorten their vectors, like
   * text-embedding-3-*) and every response is checked against it. When unset, well-known models use their
   * native size, and any other model's size is learned from its first response and enforced from then on.
   */
  dimensions?: number;
  /** Texts per request; default 64. */
  batchSize?: number;
  /** Requests in flight at once across all callers of this provider; default 4. */
  concurrency?: number;
  /** Per attempt; default 30,000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt on 408/429/5xx, network errors and timeouts; default 4. */
  maxRetries?: number;
  /** First backoff delay; doubles per retry, with jitter. Default 500 ms. */
  retryBaseMs?: number;
  /** Cap on one backoff delay; default 10,000 ms. */
  retryMaxMs?: number;
  /**
   * A `Retry-After` longer than this is not waited for: the call fails at once instead. Default 60,000 ms.
   */
  maxRetryAfterMs?: number;
  /** Prepended to texts by purpose, for models trained with instructions (e.g. nomic: `search_query: `). */
  queryPrefix?: string;
  documentPrefix?: string;
}

/** Native output sizes, so the dimension is known before the first request. */
const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * Stand-in for empty and whitespace-only texts: OpenAI rejects an empty input with a 400, and one blank chunk
 * must not fail a whole document. Any fixed text gives a deterministic vector.
 */
const EMPTY_PLACEHOLDER = '(empty)';

const closedError = () => new EmbeddingUnavailableError('the embedding provider is closed');

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Limits how many async tasks run at once; waiters are served in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter so that a newcomer cannot overtake it.
      if (next !== undefined) next();
      else this.active--;
    }
  }
}

export class OpenAIEmbeddingProvider implements EmbeddingProvider {
  readonly model: string;

  private readonly url: string;
  private readonly host: string;
  private readonly apiKey: string | undefined;
  private readonly requestModel: string;
  private readonly sendDimensions: number | undefined;
  private knownDimensions: number | undefined;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly queryPrefix: string;
  private readonly documentPrefix: string;
  private readonly semaphore: Semaphore;
  /** Aborted by close(), so that in-flight requests and backoff sleeps end promptly. */
  private readonly lifetime = new AbortController();

  constructor(options: OpenAIProviderOptions) {
    let url: URL;
    try {
      url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/embeddings`);
    } catch (cause) {
      throw new EmbeddingUnavailableError('the embedding API base URL is not a valid URL', { cause });
    }
    if (
      options.dimensions !== undefined &&
      !(Number.isInteger(options.dimensions) && options.dimensions > 0)
    ) {
      throw new EmbeddingUnavailableError('embedding dimensions must be a positive integer');
    }
    this.url = url.href;
    this.host = url.host;
    this.apiKey = options.apiKey === '' ? undefined : options.apiKey;
    this.requestModel = options.model;
    this.model = `openai/${options.model}`;
    this.sendDimensions = options.dimensions;
    this.knownDimensions = options.dimensions ?? KNOWN_DIMENSIONS[options.model.replace(/^openai\//, '')];
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
    this.semaphore = new Semaphore(Math.max(1, Math.floor(options.concurrency ?? 4)));
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 30_000);
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 4));
    this.retryBaseMs = Math.max(0, options.retryBaseMs ?? 500);
    this.retryMaxMs = Math.max(this.retryBaseMs, options.retryMaxMs ?? 10_000);
    this.maxRetryAfterMs = Math.max(0, options.maxRetryAfterMs ?? 60_000);
    this.queryPrefix = options.queryPrefix ?? '';
    this.documentPrefix = options.documentPrefix ?? '';
  }

  get dimensions(): number {
    return this.knownDimensions ?? 0;
  }

  async embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Float32Array[]> {
    this.assertOpen();
    if (texts.length === 0) return [];
    const prefix = purpose === 'query' ? this.queryPrefix : this.documentPrefix;
    const inputs = texts.map((t) => prefix + (t.trim() === '' ? EMPTY_PLACEHOLDER : t));
    const batches: string[][] = [];
    for (let i = 0; i < inputs.length; i += this.batchSize) batches.push(inputs.slice(i, i + this.batchSize));
    // Once one batch has failed the call is lost, so batches still waiting for a slot are not sent at all.
    let failed = false;
    const results = await Promise.all(
      batches.map((batch) =>
        this.semaphore.run(async () => {
          if (failed) return [];
          try {
            return await this.embedBatch(batch);
          } catch (error) {
            failed = true;
            throw error;
          }
        }),
      ),
    );
    return results.flat();
  }

  /** Learns the dimension of a model that is neither configured nor well known, with a one-text request. */
  async warmup(): Promise<void> {
    if (this.knownDimensions === undefined) await this.embed(['dimension probe'], 'document');
  }

  async close(): Promise<void> {
    this.lifetime.abort();
  }

  private assertOpen(): void {
    if (this.lifetime.signal.aborted) throw closedError();
  }

  private async embedBatch(inputs: string[]): Promise<Float32Array[]> {
    for (let attempt = 0; ; attempt++) {
      this.assertOpen();
      try {
        return await this.request(inputs);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        if (this.lifetime.signal.aborted) throw closedError();
        const attempts = attempt + 1;
        if (attempt >= this.maxRetries) {
          throw new EmbeddingUnavailableError(`${error.message} (gave up after ${attempts} attempts)`, {
            cause: error,
          });
        }
        if (error.retryAfterMs !== null && error.retryAfterMs > this.maxRetryAfterMs) {
          throw new EmbeddingUnavailableError(
            `${error.message}; the server asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s, ` +
              'longer than allowed',
            { cause: error },
          );
        }
        await this.backoff(attempt, error.retryAfterMs);
      }
    }
  }

  private async backoff(attempt: number, retryAfterMs: number | null): Promise<void> {
    const ceiling = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** attempt);
    // Half fixed, half random: spreads out clients that failed together without ever retrying immediately.
    let delay = ceiling / 2 + (Math.random() * ceiling) / 2;
    if (retryAfterMs !== null) delay = Math.max(delay, retryAfterMs);
    try {
      await sleep(delay, undefined, { signal: this.lifetime.signal });
    } catch {
      throw closedError();
    }
  }

  private async request(inputs: string[]): Promise<Float32Array[]> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    const body: { model: string; input: string[]; dimensions?: number } = {
      model: this.requestModel,
      input: inputs,
    };
    if (this.sendDimensions !== undefined) body.dimensions = this.sendDimensions;

    const where = `embedding request to ${this.host}`;
    let response: Response;
    let text: string;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.lifetime.signal]);
      response = await fetch(this.url, { method: 'POST', headers, body: JSON.stringify(body), signal });
      // Reading the body is covered by the same timeout: a server can stall after sending its headers.
      text = await response.text();
    } catch (error) {
      if (this.lifetime.signal.aborted) throw closedError();
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      const reason = timedOut
        ? `timed out after ${this.timeoutMs} ms`
        : `failed (${describeNetworkError(error)})`;
      throw new RetryableError(`${where} ${reason}`, null, { cause: error });
    }

    if (!response.ok) {
      const detail = this.redact(errorDetail(text));
      const message = `${where} failed: HTTP ${response.status}${detail === '' ? '' : ` (${detail})`}`;
      if (RETRYABLE_STATUS(response.status))
        throw new RetryableError(message, parseRetryAfter(response.headers));
      throw new EmbeddingUnavailableError(message);
    }
    return this.parse(text, inputs.length, where);
  }

  /** Checks the response shape and puts the vectors back in input order (servers may answer out of order). */
  private parse(text: string, count: number, where: string): Float32Array[] {
    const invalid = (why: string) =>
      new EmbeddingUnavailableError(`${where} returned an invalid response: ${why}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalid('not JSON');
    }
    const data = isRecord(json) ? json.data : undefined;
    if (!Array.isArray(data)) throw invalid('no "data" array');
    if (data.length !== count) throw invalid(`${data.length} embeddings for ${count} inputs`);

    const vectors: Array<Float32Array | undefined> = new Array(count);
    const indexed = data.some((item) => isRecord(item) && item.index !== undefined);
    data.forEach((item, position) => {
      if (!isRecord(item)) throw invalid('an item of "data" is not an object');
      // Some compatible servers omit `index`; then the array order is all there is.
      const index = indexed ? item.index : position;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
        throw invalid(`bad or missing index ${JSON.stringify(item.index)}`);
      }
      if (vectors[index] !== undefined) throw invalid(`duplicate index ${index}`);
      const embedding = item.embedding;
      if (!Array.isArray(embedding) || embedding.length === 0)
        throw invalid(`item ${index} has no embedding`);
      const expected = this.knownDimensions;
      if (expected !== undefined && embedding.length !== expected) {
        throw new EmbeddingUnavailableError(
          `${where} returned ${embedding.length}-dimensional embeddings, expected ${expected}`,
        );
      }
      const vector = new Float32Array(embedding.length);
      for (let d = 0; d < embedding.length; d++) {
        const value = embedding[d];
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw invalid(`item ${index} has a non-number`);
        vector[d] = value;
      }
      if (normalizeInPlace(vector) === false) throw invalid(`item ${index} is a zero vector`);
      vectors[index] = vector;
    });

    const out: Float32Array[] = [];
    for (const vector of vectors) {
      if (vector === undefined) throw invalid('missing index');
      out.push(vector);
    }
    const first = out[0];
    if (first !== undefined && out.some((v) => v.length !== first.length)) {
      throw invalid('embeddings of different lengths');
    }
    // Learn the model's size from its first answer, so that a later answer of another size is caught.
    if (this.knownDimensions === undefined && first !== undefined) this.knownDimensions = first.length;
    return out;
  }

  /**
   * Error bodies sometimes quote the key (OpenAI echoes a masked one); never let it reach logs or clients.
   */
  private redact(message: string): string {
    let out = message;
    if (this.apiKey !== undefined && this.apiKey.length > 0) out = out.split(this.apiKey).join('[redacted]');
    return out.replace(/\b(sk|rk|pk)-[\w*.-]{4,}/g, '[redacted]');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The human part of an error body: `{"error": {"message"}}` (OpenAI), `{"error": "..."}` (Ollama) or raw
 * text.
 */
function errorDetail(text: string): string {
  let detail = text;
  try {
    const json: unknown = JSON.parse(text);
    if (isRecord(json)) {
      const error = json.error;
      if (typeof error === 'string') detail = error;
      else if (isRecord(error) && typeof error.message === 'string') detail = error.message;
      else if (typeof json.message === 'string') detail = json.message;
    }
  } catch {
    // Not JSON: keep the raw text.
  }
  detail = detail.replace(/\s+/g, ' ').trim();
  return detail.length > 200 ? `${detail.slice(0, 200)}…` : detail;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED, ENOTFOUND...) in the cause.
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : cause.message;
  }
  return error.message;
}

/**
 * `Retry-After` in seconds or as an HTTP date, or OpenAI's `retry-after-ms`; null when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
