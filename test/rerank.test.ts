import { createServer } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmbeddingProvider } from '../src/embeddings/provider.js';
import { createEmbeddingProvider } from '../src/embeddings/registry.js';
import type { SearchResult } from '../src/modules/search/search.service.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createCollection, search, storeNew } from './helpers/documents.js';
import { FakeReranker } from './helpers/fake-reranker.js';
import { call, connectMcp, list, ok } from './helpers/mcp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The reranker through the real server: search asks a real HTTP server speaking the Cohere `/v2/rerank`
 * protocol (which ranks documents in reverse), and falls back to the fused order when it fails.
 */

const KEY = 'rk-integration-0123456789';
const MODEL = 'rerank-test';
const TIMEOUT_MS = 500;

let embedder: EmbeddingProvider;
let fake: FakeReranker;
let server: TestServer;
let api: ApiClient;
let alice: TestUser;
let mcp: Client;
let kb: string;
/** Document ids by how often they mention "lantern": more mentions rank higher by keyword. */
const ids: string[] = [];

beforeAll(async () => {
  embedder = createEmbeddingProvider({ provider: 'local', localWorkers: 1 });
  fake = new FakeReranker();
  const base = await fake.start();
  server = await startTestServer(
    {
      RERANK_PROVIDER: 'cohere',
      RERANK_API_URL: `${base}/v2/rerank`,
      RERANK_API_KEY: KEY,
      RERANK_MODEL: MODEL,
      RERANK_TIMEOUT_MS: String(TIMEOUT_MS),
      RERANK_TOP_N: '10',
    },
    { embedder },
  );
  api = new ApiClient(server.url);
  alice = await createUser(api, 'rerank');
  kb = await createCollection(api, alice.accessToken, 'lanterns');
  for (let mentions = 1; mentions <= 4; mentions += 1) {
    ids.push(
      await storeNew(api, alice.accessToken, {
        title: `Note ${mentions}`,
        content: `${'The lantern glows. '.repeat(mentions)}Written on day ${mentions}.`,
        collection_id: kb,
      }),
    );
  }
  mcp = await connectMcp(server.url, alice.accessToken);
});

afterAll(async () => {
  await mcp?.close();
  await server?.close();
  await fake?.close();
  await embedder?.close();
});

beforeEach(() => fake.reset());

interface Response {
  results: SearchResult[];
  total_results: number;
  rerank: { applied: boolean; model?: string; error?: string } | null;
}

async function searchLanterns(body: Record<string, unknown> = {}): Promise<Response> {
  const response = await search(api, alice.accessToken, {
    query: 'lantern',
    mode: 'keyword',
    collection_id: kb,
    ...body,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as Response;
}

/** The fused order, read from a search whose reranker call fails. */
async function fusedOrder(): Promise<Response> {
  fake.behaviour = { kind: 'status', status: 500 };
  const fused = await searchLanterns();
  fake.reset();
  return fused;
}

describe('with the reranker answering', () => {
  it('returns the results in its order, with its scores, and reports it applied', async () => {
    const fused = await fusedOrder();
    expect(fused.results.map((r) => r.document_id)).toEqual([...ids].reverse());

    const reranked = await searchLanterns();
    expect(reranked.rerank).toEqual({ applied: true, model: MODEL });
    // The fake scores the last document sent highest: the fused order, reversed.
    expect(reranked.results.map((r) => r.document_id)).toEqual(ids);
    const rerankScores = reranked.results.map((r) => r.scores.rerank);
    expect(rerankScores).toEqual([1, 0.75, 0.5, 0.25]);
    // The caller-visible score is the fused one, unchanged; only the order and scores.rerank are new.
    const fusedScore = new Map(fused.results.map((r) => [r.document_id, r.score]));
    for (const hit of reranked.results) expect(hit.score).toBe(fusedScore.get(hit.document_id));
    expect(reranked.total_results).toBe(fused.total_results);

    expect(fake.requests).toHaveLength(1);
    const [seen] = fake.requests;
    expect(seen?.path).toBe('/v2/rerank');
    expect(seen?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen?.body).toEqual({
      model: MODEL,
      query: 'lantern',
      documents: fused.results.map((r) => r.content),
      top_n: 4,
    });
  });

  it('reranks more candidates than are returned, then keeps the best max_results', async () => {
    const reranked = await searchLanterns({ max_results: 2 });
    expect(fake.requests[0]?.body.documents).toHaveLength(4);
    expect(reranked.results.map((r) => r.document_id)).toEqual(ids.slice(0, 2));
    expect(reranked.total_results).toBe(2);
  });

  it('reranks hybrid results too', async () => {
    const reranked = await searchLanterns({ mode: 'hybrid', query: 'a glowing lantern' });
    expect(reranked.rerank?.applied).toBe(true);
    const sent = fake.requests[0]?.body.documents ?? [];
    expect(sent.length).toBeGreaterThanOrEqual(reranked.results.length);
    // The last document sent scores highest.
    expect(reranked.results[0]?.content).toBe(sent[sent.length - 1]);
  });

  it('the MCP search tool reports it', async () => {
    const data = ok(await call(mcp, 'search_documents_tool', { query: 'lantern', mode: 'keyword' }));
    expect(data.rerank).toEqual({ applied: true, model: MODEL });
    expect(list(data.results).map((r) => r.document_id)).toEqual(ids);
  });

  it('a search with nothing to rerank does not call it', async () => {
    const none = await searchLanterns({ query: 'zeppelin' });
    expect(none.results).toEqual([]);
    expect(none.rerank).toEqual({ applied: false, model: MODEL });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('with the reranker failing, the search still answers, in the fused order', () => {
  it.each([
    ['an error status', { kind: 'status', status: 500 } as const, 'reranker answered HTTP 500'],
    ['a malformed body', { kind: 'raw', body: '{"results": "soon"}' } as const, 'unexpected shape'],
    [
      'an answer slower than RERANK_TIMEOUT_MS',
      { kind: 'slow', delayMs: 20 * TIMEOUT_MS } as const,
      `did not answer within ${TIMEOUT_MS} ms`,
    ],
  ])('%s', async (_name, behaviour, message) => {
    fake.behaviour = behaviour;
    const response = await searchLanterns();
    expect(response.results.map((r) => r.document_id)).toEqual([...ids].reverse());
    expect(response.results.every((r) => r.scores.rerank === null)).toBe(true);
    expect(response.rerank).toMatchObject({ applied: false, model: MODEL });
    expect(response.rerank?.error).toContain(message);
    expect(fake.requests).toHaveLength(1);
  });

  it('the MCP search tool reports the failure', async () => {
    fake.behaviour = { kind: 'slow', delayMs: 20 * TIMEOUT_MS };
    const data = ok(await call(mcp, 'search_documents_tool', { query: 'lantern', mode: 'keyword' }));
    expect(list(data.results).map((r) => r.document_id)).toEqual([...ids].reverse());
    expect(data.rerank).toEqual({
      applied: false,
      model: MODEL,
      error: `reranker did not answer within ${TIMEOUT_MS} ms`,
    });
  });
});

describe('with the reranker down', () => {
  let down: TestServer;
  let downApi: ApiClient;
  let bob: TestUser;
  let docs: string[];

  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    down = await startTestServer(
      { RERANK_PROVIDER: 'tei', RERANK_API_URL: `http://127.0.0.1:${port}/rerank` },
      { embedder },
    );
    downApi = new ApiClient(down.url);
    bob = await createUser(downApi, 'rerankdown');
    docs = [];
    for (let mentions = 1; mentions <= 2; mentions += 1) {
      docs.push(
        await storeNew(downApi, bob.accessToken, {
          title: `Beacon ${mentions}`,
          content: `${'The beacon burns. '.repeat(mentions)}Day ${mentions}.`,
        }),
      );
    }
  });
  afterAll(() => down?.close());

  it('answers in the fused order and says why it was not reranked', async () => {
    const response = await search(downApi, bob.accessToken, { query: 'beacon', mode: 'keyword' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body as Response;
    expect(body.results.map((r) => r.document_id)).toEqual([...docs].reverse());
    // TEI needs no model name, so none is reported.
    expect(body.rerank).toEqual({ applied: false, error: 'reranker unreachable (ECONNREFUSED)' });
  });
});
