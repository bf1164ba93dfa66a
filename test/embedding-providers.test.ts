import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/client.js';
import { LOCAL_MODEL_ID } from '../src/embeddings/registry.js';
import { countTokens } from '../src/ingest/tokenizer.js';
import { embeddingText } from '../src/modules/documents/documents.service.js';
import { startServer } from '../src/server.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createPat, searchIds, storeNew } from './helpers/documents.js';
import { startRemoteEmbeddingServer, startTestServer, type TestServer, testEnv } from './helpers/server.js';

interface EmbeddingsBody {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((sum, x) => sum + x * x, 0));
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0) / (norm(a) * norm(b));

/** The embedding server: the real bundled model behind `POST /v1/embeddings`. */
let host: TestServer;
let hostApi: ApiClient;
let owner: TestUser;
let pat: { id: string; token: string };

beforeAll(async () => {
  host = await startTestServer({ EMBEDDING_WORKERS: '1' });
  await host.ctx.embedder.warmup?.();
  hostApi = new ApiClient(host.url);
  owner = await createUser(hostApi, 'owner');
  pat = await createPat(hostApi, owner.accessToken);
});

afterAll(async () => {
  await host?.close();
});

function embeddings(body: Record<string, unknown>, token: string = pat.token) {
  return hostApi.request<EmbeddingsBody>('POST', '/v1/embeddings', { body, token });
}

describe('POST /v1/embeddings (OpenAI format)', () => {
  it('embeds a string input', async () => {
    const response = await embeddings({ input: 'hello world', model: 'anything' });
    expect(response.status).toBe(200);
    const { body } = response;
    expect(body.object).toBe('list');
    expect(body.model).toBe(LOCAL_MODEL_ID);
    expect(body.data).toHaveLength(1);
    const [item] = body.data;
    expect(item?.object).toBe('embedding');
    expect(item?.index).toBe(0);
    expect(Array.isArray(item?.embedding)).toBe(true);
    const vector = item?.embedding as number[];
    expect(vector).toHaveLength(512);
    expect(vector.every((x) => Number.isFinite(x))).toBe(true);
    expect(norm(vector)).toBeCloseTo(1, 4);
    expect(body.usage).toEqual({
      prompt_tokens: countTokens('hello world'),
      total_tokens: countTokens('hello world'),
    });
  });

  it('embeds an array input in order, deterministically', async () => {
    const texts = ['hello world', 'The cat sleeps on the sofa.', 'Quarterly revenue grew by ten percent.'];
    const response = await embeddings({ input: texts });
    expect(response.status).toBe(200);
    expect(response.body.data.map((d) => d.index)).toEqual([0, 1, 2]);
    const vectors = response.body.data.map((d) => d.embedding as number[]);
    for (const vector of vectors) expect(vector).toHaveLength(512);
    expect(response.body.usage.prompt_tokens).toBe(texts.reduce((sum, t) => sum + countTokens(t), 0));
    const single = await embeddings({ input: 'hello world' });
    expect(cosine(vectors[0] ?? [], single.body.data[0]?.embedding as number[])).toBeGreaterThan(0.9999);
    expect(cosine(vectors[1] ?? [], vectors[2] ?? [])).toBeLessThan(0.9);
  });

  it('returns base64 little-endian float32 when asked', async () => {
    const floats = await embeddings({ input: 'base64 please' });
    const encoded = await embeddings({ input: 'base64 please', encoding_format: 'base64' });
    expect(encoded.status).toBe(200);
    const text = encoded.body.data[0]?.embedding;
    expect(typeof text).toBe('string');
    const bytes = Buffer.from(text as string, 'base64');
    expect(bytes.length).toBe(512 * 4);
    const decoded = Array.from({ length: 512 }, (_, i) => bytes.readFloatLE(i * 4));
    const reference = floats.body.data[0]?.embedding as number[];
    for (const [i, x] of decoded.entries()) expect(x).toBeCloseTo(reference[i] ?? Number.NaN, 6);
  });

  it('requires a credential and accepts a JWT as well as a PAT', async () => {
    const anonymous = await hostApi.post('/v1/embeddings', { input: 'hello' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.detail.code).toBe('UNAUTHORIZED');
    const wrong = await embeddings({ input: 'hello' }, 'pat_live_not-a-real-token');
    expect(wrong.status).toBe(401);
    const jwt = await embeddings({ input: 'hello' }, owner.accessToken);
    expect(jwt.status).toBe(200);
  });

  it('refuses a dimensions mismatch with 400 and accepts the native size', async () => {
    const mismatch = await hostApi.post('/v1/embeddings', { input: 'hello', dimensions: 256 }, pat.token);
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.detail.code).toBe('UNSUPPORTED_DIMENSIONS');
    expect(mismatch.body.detail.message).toContain('512');
    const native = await embeddings({ input: 'hello', dimensions: 512 });
    expect(native.status).toBe(200);
  });

  it('validates the input', async () => {
    for (const body of [{}, { input: [] }, { input: 42 }, { input: 'x', encoding_format: 'int8' }]) {
      const response = await hostApi.post('/v1/embeddings', body, pat.token);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.detail.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('the openai provider against another ainstruct', () => {
  let remote: TestServer;
  let api: ApiClient;
  let user: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    remote = await startRemoteEmbeddingServer({ url: host.url, token: pat.token }, 5);
    api = new ApiClient(remote.url);
    user = await createUser(api, 'remote');
    const docs = {
      parking: ['Car park permits', 'Staff may park in the basement garage with a permit from reception.'],
      payroll: ['Salary payments', 'Wages are transferred on the twenty-fifth of each month.'],
      printer: [
        'Office printing',
        'The printers on each floor accept jobs from the print queue named office.',
      ],
    };
    for (const [key, [title, content]] of Object.entries(docs)) {
      ids[key] = await storeNew(api, user.accessToken, {
        title: title as string,
        content: content as string,
        document_type: 'text',
      });
    }
  });

  afterAll(async () => {
    await remote?.close();
  });

  it('records the remote model and its learned dimension', async () => {
    const [row] = await queryRows<{ value: { model: string; dimensions: number } }>(
      remote.handle.db,
      sql`select value from system_settings where key = 'embedding_model'`,
    );
    expect(row?.value).toEqual({ model: 'openai/ainstruct-remote', dimensions: 512 });
  });

  it('stores vectors computed by the other server', async () => {
    const [chunk] = await queryRows<{ embedding: string; heading_path: string[]; content: string }>(
      remote.handle.db,
      sql`select embedding::text as embedding, heading_path, content from chunks where document_id = ${ids.payroll}::uuid`,
    );
    expect(chunk).toBeDefined();
    const stored = JSON.parse(chunk?.embedding ?? '[]') as number[];
    expect(stored).toHaveLength(512);
    const direct = await embeddings({
      input: embeddingText(chunk?.heading_path ?? [], chunk?.content ?? ''),
    });
    expect(cosine(stored, direct.body.data[0]?.embedding as number[])).toBeGreaterThan(0.999);
  });

  it('finds documents by meaning and by keyword', async () => {
    const semantic = await searchIds(api, user.accessToken, {
      query: 'When do we get paid?',
      mode: 'semantic',
    });
    expect(semantic[0]).toBe(ids.payroll);
    const hybrid = await searchIds(api, user.accessToken, {
      query: 'Where can I leave my vehicle?',
      mode: 'hybrid',
    });
    expect(hybrid[0]).toBe(ids.parking);
    const keyword = await searchIds(api, user.accessToken, { query: 'print queue', mode: 'keyword' });
    expect(keyword).toEqual([ids.printer]);
  });

  it('answers 503 EMBEDDING_UNAVAILABLE once its credential on the other server is revoked', async () => {
    const spare = await createPat(hostApi, owner.accessToken);
    const second = await startRemoteEmbeddingServer({ url: host.url, token: spare.token }, 5);
    try {
      const secondApi = new ApiClient(second.url);
      const someone = await createUser(secondApi, 'revoked');
      await storeNew(secondApi, someone.accessToken, {
        title: 'Before',
        content: 'Stored while the key was valid.',
      });
      const revoked = await hostApi.delete(`/api/v1/auth/pat/${spare.id}`, owner.accessToken);
      expect(revoked.status).toBe(200);
      const after = await secondApi.post(
        '/api/v1/documents',
        { title: 'After', content: 'Stored after the key was revoked.' },
        someone.accessToken,
      );
      expect(after.status).toBe(503);
      expect(after.body.detail.code).toBe('EMBEDDING_UNAVAILABLE');
      const listed = await secondApi.get('/api/v1/documents', someone.accessToken);
      expect(listed.body.documents.map((d: { title: string }) => d.title)).toEqual(['Before']);
    } finally {
      await second.close();
    }
  });
});

describe('the recorded model', () => {
  /** Configuration for another server on the embedding host's own database. */
  function sameDatabase(overrides: Record<string, string>) {
    const env = testEnv(overrides);
    if (host.database.url) env.DATABASE_URL = host.database.url;
    return loadConfig(env);
  }

  beforeAll(async () => {
    await storeNew(hostApi, owner.accessToken, {
      title: 'Local vector',
      content: 'Embedded by the bundled local model.',
    });
  });

  it('lets another instance with the same model start on the database', async () => {
    const again = await startServer(sameDatabase({ EMBEDDING_WORKERS: '1' }), {
      database: host.handle,
      listen: false,
    });
    await again.close();
  });

  it('refuses to start with a different model and says to run `ainstruct reindex`', async () => {
    const attempt = startServer(
      sameDatabase({
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_API_URL: `${host.url}/v1`,
        EMBEDDING_API_KEY: pat.token,
        EMBEDDING_MODEL: 'some-other-model',
        EMBEDDING_MAX_RETRIES: '1',
      }),
      { database: host.handle, listen: false },
    );
    await expect(attempt).rejects.toThrow(/ainstruct reindex/);
    await expect(attempt).rejects.toThrow(new RegExp(`${LOCAL_MODEL_ID}.*openai/some-other-model`));
    // The refused start changed nothing: the recorded model is still the local one and the server works.
    const [row] = await queryRows<{ value: { model: string } }>(
      host.handle.db,
      sql`select value from system_settings where key = 'embedding_model'`,
    );
    expect(row?.value.model).toBe(LOCAL_MODEL_ID);
    expect(
      await searchIds(hostApi, owner.accessToken, { query: 'bundled local model', mode: 'semantic' }),
    ).toHaveLength(1);
  });
});
