import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeReranker } from '../../../test/helpers/fake-reranker.js';
import { loadConfig } from '../../config.js';
import {
  createReranker,
  type RerankError,
  type RerankerOptions,
  rerankerFromConfig,
  rerankRanking,
} from './rerank.js';

const KEY = 'rk-test-0123456789';
const CANDIDATES = [
  { id: 'a', text: 'alpha' },
  { id: 'b', text: 'bravo' },
  { id: 'c', text: 'charlie' },
];

let fake: FakeReranker;
let base: string;

beforeAll(async () => {
  fake = new FakeReranker();
  base = await fake.start();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

function client(overrides: Partial<RerankerOptions> = {}, failures?: RerankError[]) {
  return createReranker(
    {
      provider: 'cohere',
      url: `${base}/v2/rerank`,
      apiKey: KEY,
      model: 'rerank-test',
      timeoutMs: 2000,
      topN: 30,
      ...overrides,
    },
    failures ? (error) => failures.push(error) : undefined,
  );
}

/** A port nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('the Cohere / Jina / vLLM shape', () => {
  it('sends model, query, documents and top_n with the key as a bearer token, and orders by score', async () => {
    const { order } = await client().rerank('which one?', CANDIDATES);
    expect(order).toEqual([
      { id: 'c', score: 1 },
      { id: 'b', score: 2 / 3 },
      { id: 'a', score: 1 / 3 },
    ]);
    expect(fake.requests).toHaveLength(1);
    const [seen] = fake.requests;
    expect(seen?.path).toBe('/v2/rerank');
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen?.body).toEqual({
      model: 'rerank-test',
      query: 'which one?',
      documents: ['alpha', 'bravo', 'charlie'],
      top_n: 3,
    });
  });

  it('leaves out the model and the authorization header when none is configured (vLLM)', async () => {
    await client({ provider: 'vllm', url: `${base}/v1/rerank`, apiKey: undefined, model: undefined }).rerank(
      'q',
      CANDIDATES,
    );
    expect(fake.requests[0]?.body).toEqual({
      query: 'q',
      documents: ['alpha', 'bravo', 'charlie'],
      top_n: 3,
    });
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('keeps only the documents the answer scores', async () => {
    fake.behaviour = { kind: 'json', body: { results: [{ index: 1, relevance_score: 0.9 }] } };
    expect((await client().rerank('q', CANDIDATES)).order).toEqual([{ id: 'b', score: 0.9 }]);
  });
});

describe('the TEI shape', () => {
  it('sends query and texts with normalised scores, and reads the bare array', async () => {
    const tei = client({ provider: 'tei', url: `${base}/rerank`, model: undefined });
    const { order } = await tei.rerank('which one?', CANDIDATES);
    expect(order.map((o) => o.id)).toEqual(['c', 'b', 'a']);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0]?.body).toEqual({
      query: 'which one?',
      texts: ['alpha', 'bravo', 'charlie'],
      raw_scores: false,
      return_text: false,
      truncate: true,
    });
  });

  it('refuses the other shape', async () => {
    fake.behaviour = { kind: 'json', body: { results: [{ index: 0, relevance_score: 1 }] } };
    await expect(client({ provider: 'tei' }).rerank('q', CANDIDATES)).rejects.toThrow(/unexpected shape/);
  });
});

describe('failures', () => {
  it('a non-2xx answer is an error naming the status, and is not retried', async () => {
    fake.behaviour = { kind: 'status', status: 500 };
    const failures: RerankError[] = [];
    await expect(client({}, failures).rerank('q', CANDIDATES)).rejects.toThrow('reranker answered HTTP 500');
    expect(fake.requests).toHaveLength(1);
    expect(failures.map((f) => f.message)).toEqual(['reranker answered HTTP 500']);
  });

  it('a body that is not JSON is an error', async () => {
    fake.behaviour = { kind: 'raw', body: '<html>bad gateway</html>' };
    await expect(client().rerank('q', CANDIDATES)).rejects.toThrow('not JSON');
  });

  it.each([
    ['a missing results field', { data: [] }, /unexpected shape/],
    [
      'a score that is not a number',
      { results: [{ index: 0, relevance_score: 'high' }] },
      /unexpected shape/,
    ],
    ['a negative index', { results: [{ index: -1, relevance_score: 1 }] }, /unexpected shape/],
    ['an index out of range', { results: [{ index: 3, relevance_score: 1 }] }, /index 3 for 3 documents/],
    [
      'a repeated index',
      {
        results: [
          { index: 0, relevance_score: 1 },
          { index: 0, relevance_score: 0.5 },
        ],
      },
      /index 0 twice/,
    ],
  ])('%s is an error', async (_name, body, message) => {
    fake.behaviour = { kind: 'json', body };
    await expect(client().rerank('q', CANDIDATES)).rejects.toThrow(message);
  });

  it('an answer slower than the timeout is an error, and the request is abandoned', async () => {
    fake.behaviour = { kind: 'slow', delayMs: 10_000 };
    await expect(client({ timeoutMs: 100 }).rerank('q', CANDIDATES)).rejects.toThrow(
      'reranker did not answer within 100 ms',
    );
  });

  it('a refused connection is an error naming it', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/rerank`;
    await expect(client({ url }).rerank('q', CANDIDATES)).rejects.toThrow(
      'reranker unreachable (ECONNREFUSED)',
    );
  });
});

describe('rerankRanking', () => {
  const ranking = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
  const text = (id: string) => (id === 'b' ? undefined : `text of ${id}`);

  it('without a reranker: the ranking unchanged and no report', async () => {
    expect(await rerankRanking(undefined, 'q', ranking, text)).toEqual({
      ranked: ranking,
      scores: new Map(),
      report: null,
    });
  });

  it('reorders the top N that have text by score; the rest keep their places after them', async () => {
    const result = await rerankRanking(client({ topN: 3 }), 'q', ranking, text);
    // Sent: a and c (b has no text, d is past the top 3); reversed, c comes first.
    expect(fake.requests[0]?.body.documents).toEqual(['text of a', 'text of c']);
    expect(result.ranked.map((r) => r.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(result.scores).toEqual(
      new Map([
        ['c', 1],
        ['a', 0.5],
      ]),
    );
    expect(result.report).toEqual({ applied: true, model: 'rerank-test' });
  });

  it('on failure: the ranking unchanged, with the reason', async () => {
    fake.behaviour = { kind: 'status', status: 503 };
    const result = await rerankRanking(client(), 'q', ranking, text);
    expect(result.ranked).toEqual(ranking);
    expect(result.scores.size).toBe(0);
    expect(result.report).toEqual({
      applied: false,
      model: 'rerank-test',
      error: 'reranker answered HTTP 503',
    });
  });

  it('with nothing to rerank: no call, not applied, no error', async () => {
    const result = await rerankRanking(client(), 'q', [], text);
    expect(fake.requests).toHaveLength(0);
    expect(result.report).toEqual({ applied: false, model: 'rerank-test' });
  });
});

describe('rerankerFromConfig', () => {
  it('is undefined by default and points cohere and jina at their hosted endpoints', async () => {
    expect(rerankerFromConfig(loadConfig({}))).toBeUndefined();
    const cohere = rerankerFromConfig(
      loadConfig({ RERANK_PROVIDER: 'jina', RERANK_API_KEY: KEY, RERANK_MODEL: 'jina-reranker-v2' }),
    );
    expect(cohere).toMatchObject({ model: 'jina-reranker-v2', topN: 30 });
    const tei = rerankerFromConfig(
      loadConfig({ RERANK_PROVIDER: 'tei', RERANK_API_URL: `${base}/rerank`, RERANK_TOP_N: '2' }),
    );
    expect(tei?.topN).toBe(2);
    await tei?.rerank('q', CANDIDATES);
    expect(fake.requests[0]?.path).toBe('/rerank');
    expect(fake.requests[0]?.body.texts).toHaveLength(3);
  });
});
