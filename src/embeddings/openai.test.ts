import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingUnavailableError } from '../errors.js';
import { OpenAIEmbeddingProvider, type OpenAIProviderOptions, parseRetryAfter } from './openai.js';
import { norm } from './vector.js';

const API_KEY = 'sk-test-0123456789abcdef';

/** What the fake server does with the next request, instead of answering normally. */
type Failure =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { hang: true }
  | { dimensions: number }
  | { raw: string };

interface Seen {
  headers: IncomingHttpHeaders;
  body: { model: string; input: string[]; dimensions?: number };
}

/** A real HTTP server speaking the OpenAI embeddings format, scriptable to fail. */
class FakeEmbeddingServer {
  readonly requests: Seen[] = [];
  readonly failures: Failure[] = [];
  dimensions = 8;
  /** Answer with `data` reversed, to prove the client orders by `index`. */
  reverse = true;
  omitIndex = false;
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;
  private readonly server: Server;
  private readonly hanging: ServerResponse[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => {
        raw += chunk.toString();
      });
      req.on('end', () => {
        void this.answer(req.headers, raw, res);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
    this.dimensions = 8;
    this.reverse = true;
    this.omitIndex = false;
    this.delayMs = 0;
    this.maxInFlight = 0;
    for (const res of this.hanging.splice(0)) res.destroy();
  }

  async stop(): Promise<void> {
    this.reset();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async answer(headers: IncomingHttpHeaders, raw: string, res: ServerResponse): Promise<void> {
    const body = JSON.parse(raw) as Seen['body'];
    this.requests.push({ headers, body });
    const failure = this.failures.shift();
    if (failure !== undefined && 'hang' in failure) {
      this.hanging.push(res);
      return;
    }
    if (failure !== undefined && 'status' in failure) {
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      res.end(failure.body ?? JSON.stringify({ error: { message: `scripted ${failure.status}` } }));
      return;
    }
    if (failure !== undefined && 'raw' in failure) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(failure.raw);
      return;
    }
    const dimensions =
      failure !== undefined && 'dimensions' in failure ? failure.dimensions : this.dimensions;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    this.inFlight--;
    const data = body.input.map((text, index) => ({
      object: 'embedding',
      embedding: Array.from(fakeVector(text, dimensions)),
      ...(this.omitIndex ? {} : { index }),
    }));
    if (this.reverse && !this.omitIndex) data.reverse();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'list',
        data,
        model: body.model,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
  }
}

/** A deterministic, not normalised vector for a text, so that the client's normalisation is visible. */
function fakeVector(text: string, dimensions: number): number[] {
  const hash = createHash('sha256').update(text).digest();
  return Array.from({ length: dimensions }, (_, i) => ((hash[i % hash.length] ?? 0) - 100) / 10);
}

/** Asserts that `actual` is the normalised fake vector of `text` (float32 rounding aside). */
function expectVectorOf(actual: Float32Array | undefined, text: string, dimensions = 8): void {
  const v = fakeVector(text, dimensions);
  const n = Math.hypot(...v);
  expect(actual?.length).toBe(dimensions);
  v.forEach((x, i) => {
    expect(actual?.[i]).toBeCloseTo(x / n, 6);
  });
}

const server = new FakeEmbeddingServer();
let baseUrl = '';
const providers: OpenAIEmbeddingProvider[] = [];

function make(options: Partial<OpenAIProviderOptions> = {}): OpenAIEmbeddingProvider {
  const provider = new OpenAIEmbeddingProvider({
    baseUrl,
    apiKey: API_KEY,
    model: 'test-embed',
    dimensions: 8,
    retryBaseMs: 10,
    retryMaxMs: 40,
    ...options,
  });
  providers.push(provider);
  return provider;
}

beforeAll(async () => {
  baseUrl = await server.start();
});

beforeEach(() => {
  server.reset();
});

afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await server.stop();
});

describe('OpenAIEmbeddingProvider', () => {
  it('sends the model, dimensions and key, and returns normalised vectors in input order', async () => {
    const provider = make();
    expect(provider.model).toBe('openai/test-embed');
    expect(provider.dimensions).toBe(8);
    const vectors = await provider.embed(['alpha', 'beta', 'gamma'], 'document');
    expect(server.requests).toHaveLength(1);
    const seen = server.requests[0];
    expect(seen?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(seen?.body).toEqual({ model: 'test-embed', input: ['alpha', 'beta', 'gamma'], dimensions: 8 });
    ['alpha', 'beta', 'gamma'].forEach((t, i) => {
      expectVectorOf(vectors[i], t);
    });
    for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 6);
  });

  it('falls back to array order when a server omits index', async () => {
    server.omitIndex = true;
    const vectors = await make().embed(['one', 'two'], 'query');
    expectVectorOf(vectors[0], 'one');
    expectVectorOf(vectors[1], 'two');
  });

  it('batches by batchSize and bounds concurrency', async () => {
    server.delayMs = 30;
    const texts = Array.from({ length: 150 }, (_, i) => `text ${i}`);
    const vectors = await make({ batchSize: 20, concurrency: 2 }).embed(texts, 'document');
    expect(server.requests.map((r) => r.body.input.length)).toEqual([20, 20, 20, 20, 20, 20, 20, 10]);
    expect(server.maxInFlight).toBe(2);
    expectVectorOf(vectors[149], 'text 149');
    expect(vectors).toHaveLength(150);
  });

  it('uses 64 texts per request by default', async () => {
    const texts = Array.from({ length: 130 }, (_, i) => `t${i}`);
    await make().embed(texts, 'document');
    expect(server.requests.map((r) => r.body.input.length).sort((a, b) => b - a)).toEqual([64, 64, 2]);
  });

  it('retries 5xx and 429 with growing backoff, then succeeds', async () => {
    server.failures.push({ status: 500 }, { status: 429 }, { status: 502 });
    const started = Date.now();
    const [v] = await make({ retryBaseMs: 20, retryMaxMs: 1000 }).embed(['retry me'], 'document');
    // Delays are at least half of 20, 40 and 80 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(65);
    expect(server.requests).toHaveLength(4);
    expectVectorOf(v, 'retry me');
  });

  it('honours Retry-After in seconds', async () => {
    server.failures.push({ status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    await make({ retryBaseMs: 1 }).embed(['slow down'], 'document');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('honours retry-after-ms', async () => {
    server.failures.push({ status: 503, headers: { 'retry-after-ms': '250' } });
    const started = Date.now();
    await make({ retryBaseMs: 1 }).embed(['slow down'], 'document');
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('gives up at once when Retry-After is longer than allowed', async () => {
    server.failures.push({ status: 429, headers: { 'retry-after': '120' } });
    const started = Date.now();
    await expect(make({ maxRetryAfterMs: 5000 }).embed(['x'], 'document')).rejects.toThrow(/HTTP 429.*120 s/);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a request that times out', async () => {
    server.failures.push({ hang: true });
    const [v] = await make({ timeoutMs: 200 }).embed(['patience'], 'document');
    expect(server.requests).toHaveLength(2);
    expectVectorOf(v, 'patience');
  });

  it('gives up after maxRetries with an error naming host and status, never the key', async () => {
    for (let i = 0; i < 5; i++) {
      server.failures.push({
        status: 503,
        body: JSON.stringify({ error: { message: `bad key ${API_KEY}` } }),
      });
    }
    const error: unknown = await make({ maxRetries: 2 })
      .embed(['x'], 'document')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(new URL(baseUrl).host);
    expect(message).toContain('HTTP 503');
    expect(message).toContain('3 attempts');
    expect(message).not.toContain(API_KEY);
    expect(message).not.toContain('0123456789');
    expect(server.requests).toHaveLength(3);
    expect((error as EmbeddingUnavailableError).status).toBe(503);
    expect((error as EmbeddingUnavailableError).code).toBe('EMBEDDING_UNAVAILABLE');
  });

  it('does not retry a 400', async () => {
    server.failures.push({ status: 400, body: JSON.stringify({ error: { message: 'input is too long' } }) });
    await expect(make().embed(['x'], 'document')).rejects.toThrow(/HTTP 400 \(input is too long\)/);
    expect(server.requests).toHaveLength(1);
  });

  it('sends no further batches of a call once one batch has failed', async () => {
    server.failures.push({ status: 400 });
    const texts = Array.from({ length: 10 }, (_, i) => `t${i}`);
    await expect(make({ batchSize: 2, concurrency: 1 }).embed(texts, 'document')).rejects.toThrow(/HTTP 400/);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a 401', async () => {
    server.failures.push({ status: 401 });
    await expect(make().embed(['x'], 'document')).rejects.toBeInstanceOf(EmbeddingUnavailableError);
    expect(server.requests).toHaveLength(1);
  });

  it('retries network errors and reports them', async () => {
    const closed = new FakeEmbeddingServer();
    const url = await closed.start();
    await closed.stop();
    const provider = make({ baseUrl: url, maxRetries: 1 });
    await expect(provider.embed(['x'], 'document')).rejects.toThrow(
      /127\.0\.0\.1:\d+ failed \(ECONNREFUSED\).*2 attempts/,
    );
  });

  it('rejects a response of the wrong dimension without retrying', async () => {
    server.failures.push({ dimensions: 4 });
    await expect(make().embed(['x'], 'document')).rejects.toThrow(/4-dimensional embeddings, expected 8/);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects malformed responses', async () => {
    const provider = make();
    for (const raw of [
      'not json',
      '{"data": 5}',
      '{"data": []}',
      '{"data": [{"index": 0, "embedding": [1, "x", 0, 0, 0, 0, 0, 0]}]}',
      '{"data": [{"index": 3, "embedding": [1, 0, 0, 0, 0, 0, 0, 0]}]}',
      '{"data": [{"index": 0, "embedding": [0, 0, 0, 0, 0, 0, 0, 0]}]}',
    ]) {
      server.failures.push({ raw });
      await expect(provider.embed(['x'], 'document')).rejects.toBeInstanceOf(EmbeddingUnavailableError);
    }
    expect(server.requests).toHaveLength(6);
  });

  it('learns the dimension of an unknown model and then enforces it', async () => {
    const provider = make({ dimensions: undefined });
    expect(provider.dimensions).toBe(0);
    server.dimensions = 12;
    await provider.warmup();
    expect(provider.dimensions).toBe(12);
    expect(server.requests[0]?.body.dimensions).toBeUndefined();
    server.failures.push({ dimensions: 6 });
    await expect(provider.embed(['x'], 'document')).rejects.toThrow(/expected 12/);
  });

  it('knows the size of well-known models up front', () => {
    expect(make({ model: 'text-embedding-3-small', dimensions: undefined }).dimensions).toBe(1536);
    expect(make({ model: 'openai/text-embedding-3-large', dimensions: undefined }).dimensions).toBe(3072);
  });

  it('sends a placeholder for empty texts, adds purpose prefixes, and skips empty calls', async () => {
    const provider = make({ queryPrefix: 'search_query: ', documentPrefix: 'search_document: ' });
    expect(await provider.embed([], 'document')).toEqual([]);
    expect(server.requests).toHaveLength(0);
    await provider.embed(['', 'hello'], 'query');
    await provider.embed(['hello'], 'document');
    expect(server.requests.map((r) => r.body.input)).toEqual([
      ['search_query: (empty)', 'search_query: hello'],
      ['search_document: hello'],
    ]);
  });

  it('close() aborts a request in flight and rejects later calls', async () => {
    server.failures.push({ hang: true });
    const provider = make();
    const pending = provider.embed(['x'], 'document');
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await provider.close();
    await expect(pending).rejects.toThrow(/closed/);
    await expect(provider.embed(['x'], 'document')).rejects.toBeInstanceOf(EmbeddingUnavailableError);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '150', 'retry-after': '3' }), now)).toBe(150);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(parseRetryAfter(new Headers(), now)).toBeNull();
  });
});
