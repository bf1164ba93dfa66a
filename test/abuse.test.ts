import { randomBytes, randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/ingest/tokenizer.js';
import { ApiClient, createUser, expectError, type TestUser } from './helpers/client.js';
import { type CountingEmbedder, countingLocalEmbedder } from './helpers/counting-embedder.js';
import { createCat, createPat } from './helpers/documents.js';
import { initializeRequest, postMcp } from './helpers/mcp.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from './helpers/server.js';

/** Abuse costs the abuser: failed-auth budget per client IP, bounded /v1/embeddings, bounded JWT lifetimes. */

const PROFILE = '/api/v1/auth/profile';
const randomSecret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;
/** A fresh client address per test (through X-Forwarded-For with TRUST_PROXY), so budgets never collide. */
const randomIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

function from(api: ApiClient, ip: string) {
  return {
    get: (path: string, token?: string) =>
      api.request('GET', path, { token, headers: { 'x-forwarded-for': ip } }),
    post: (path: string, body: unknown, token?: string) =>
      api.request('POST', path, { body, token, headers: { 'x-forwarded-for': ip } }),
    mcp: (token: string) =>
      postMcp(api.baseUrl, initializeRequest(), { authorization: `Bearer ${token}`, 'x-forwarded-for': ip }),
  };
}

function expectBudgetSpent(response: { status: number; headers: Headers; body: any }) {
  expectError(response, 429, 'RATE_LIMITED');
  expect(response.body.detail.message).toMatch(/failed authentication/i);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

async function signed(claims: Record<string, unknown>, set: (jwt: SignJWT) => SignJWT) {
  return set(new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })).sign(
    new TextEncoder().encode(TEST_JWT_SECRET),
  );
}

describe('failed-authentication budget per client IP', () => {
  const BUDGET = 5;
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer({
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(BUDGET),
      TRUST_PROXY: 'true',
    });
    api = new ApiClient(server.url);
    user = await createUser(api, 'budget');
  });
  afterAll(() => server?.close());

  it('counts every kind of bad credential and then refuses with 429 RATE_LIMITED and Retry-After', async () => {
    const client = from(api, randomIp());
    const pat = await createPat(api, user.accessToken);
    expect((await api.delete(`/api/v1/auth/pat/${pat.id}`, user.accessToken)).status).toBe(200);
    const expired = await signed({ ...decodeJwt(user.accessToken), exp: undefined, iat: undefined }, (jwt) =>
      jwt
        .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60),
    );
    const bad = [randomSecret('pat_live_'), randomSecret('cat_live_'), 'a.b.c', pat.token, expired];
    for (const token of bad) expectError(await client.get(PROFILE, token), 401, 'INVALID_TOKEN');
    expectBudgetSpent(await client.get(PROFILE, randomSecret('pat_live_')));
    expectBudgetSpent(await client.get(PROFILE, 'garbage'));
  });

  it('refuses a valid credential this instance has not seen yet: the gate comes before any lookup', async () => {
    const client = from(api, randomIp());
    const fresh = await createPat(api, user.accessToken);
    for (let i = 0; i < BUDGET; i++) await client.get(PROFILE, randomSecret('pat_live_'));
    // Were it looked up, this working PAT would answer 200.
    expectBudgetSpent(await client.get(PROFILE, fresh.token));
    // Once seen to work (here from another address), it passes the over-budget address too.
    expect((await api.get(PROFILE, fresh.token)).status).toBe(200);
    expect((await client.get(PROFILE, fresh.token)).status).toBe(200);
    // A working JWT seen before passes as well, so one bad client behind a NAT does not lock its neighbours out.
    expect((await client.get(PROFILE, user.accessToken)).status).toBe(200);
    // It is still checked on every request: revoked, it fails at once and then counts like any other.
    expect((await api.delete(`/api/v1/auth/pat/${fresh.id}`, user.accessToken)).status).toBe(200);
    expectError(await client.get(PROFILE, fresh.token), 401, 'INVALID_TOKEN');
    expectBudgetSpent(await client.get(PROFILE, fresh.token));
  });

  it('gives every address its own budget and does not count requests without credentials', async () => {
    const noisy = from(api, randomIp());
    const quiet = from(api, randomIp());
    for (let i = 0; i < 3 * BUDGET; i++) expectError(await noisy.get(PROFILE), 401, 'UNAUTHORIZED');
    for (let i = 0; i < BUDGET; i++) await noisy.get(PROFILE, randomSecret('cat_live_'));
    expectBudgetSpent(await noisy.get(PROFILE, randomSecret('cat_live_')));
    expectError(await quiet.get(PROFILE, randomSecret('cat_live_')), 401, 'INVALID_TOKEN');
  });

  it('is one budget for REST, /mcp and /v1/embeddings; /mcp answers 429 with a JSON-RPC error', async () => {
    const client = from(api, randomIp());
    expect((await client.mcp(randomSecret('pat_live_'))).status).toBe(401);
    expect((await client.mcp(randomSecret('pat_live_'))).status).toBe(401);
    expectError(
      await client.post('/v1/embeddings', { input: 'x' }, randomSecret('pat_live_')),
      401,
      'INVALID_TOKEN',
    );
    expectError(await client.get(PROFILE, randomSecret('pat_live_')), 401, 'INVALID_TOKEN');
    expect((await client.mcp('x.y.z')).status).toBe(401);

    const mcp = await client.mcp(randomSecret('pat_live_'));
    expect(mcp.status).toBe(429);
    expect(Number(mcp.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(mcp.text)).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, message: expect.stringMatching(/failed authentication/i) },
    });
    expectBudgetSpent(await client.post('/v1/embeddings', { input: 'x' }, randomSecret('pat_live_')));
    expectBudgetSpent(await client.get(PROFILE, randomSecret('pat_live_')));
  });
});

describe('failed-authentication budget shared through Redis', () => {
  const BUDGET = 4;
  let one: TestServer;
  let two: TestServer;
  let redis: Redis;
  const ip = randomIp();
  const prefix = `ainstruct-test:${randomBytes(6).toString('hex')}:`;
  const key = `${prefix}c:failed-auth:${ip}`;

  beforeAll(async () => {
    const env = {
      RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(BUDGET),
      TRUST_PROXY: 'true',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    };
    one = await startTestServer(env);
    two = await startTestServer(env);
    redis = new Redis('redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    const keys = (await redis?.keys(`${prefix}*`)) ?? [];
    if (keys.length > 0) await redis.del(...keys);
    await redis?.quit();
    await one?.close();
    await two?.close();
  });

  it('counts failures on one instance against the budget on another', async () => {
    const first = from(new ApiClient(one.url), ip);
    const second = from(new ApiClient(two.url), ip);
    for (let i = 0; i < BUDGET / 2; i++) await first.get(PROFILE, randomSecret('pat_live_'));
    for (let i = 0; i < BUDGET / 2; i++) await second.get(PROFILE, randomSecret('pat_live_'));
    expect(Number(await redis.get(key))).toBe(BUDGET);
    expectBudgetSpent(await first.get(PROFILE, randomSecret('pat_live_')));
    expect((await second.mcp(randomSecret('pat_live_'))).status).toBe(429);
  });
});

describe('POST /v1/embeddings limits and access', () => {
  let embedder: CountingEmbedder;
  let server: TestServer;
  let open: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let writePat: string;
  let readPat: string;
  let readCat: string;
  let writeCat: string;

  beforeAll(async () => {
    embedder = countingLocalEmbedder();
    const limits = {
      EMBEDDINGS_MAX_INPUTS: '3',
      EMBEDDINGS_MAX_INPUT_TOKENS: '20',
      EMBEDDINGS_MAX_TOTAL_TOKENS: '30',
    };
    server = await startTestServer(limits, { embedder });
    open = await startTestServer({ ...limits, EMBEDDINGS_ALLOW_READ_TOKENS: 'true' }, { embedder });
    api = new ApiClient(server.url);
    user = await createUser(api, 'embedder');
    writePat = (await createPat(api, user.accessToken)).token;
    const read = await api.post('/api/v1/auth/pat', { label: 'read', scopes: ['read'] }, user.accessToken);
    readPat = read.body.token;
    readCat = await createCat(api, user.accessToken, user.defaultCollectionId, 'read');
    writeCat = await createCat(api, user.accessToken, user.defaultCollectionId, 'read_write');
  });
  afterAll(async () => {
    await server?.close();
    await open?.close();
    await embedder?.close();
  });

  const embed = (body: unknown, token: string, on = api) => on.post('/v1/embeddings', body, token);

  it('refuses too many inputs, too long an input and too many tokens with 413 naming the limit', async () => {
    const before = embedder.calls.length;
    const many = await embed({ input: ['a', 'b', 'c', 'd'] }, writePat);
    expectError(many, 413, 'TOO_MANY_INPUTS');
    expect(many.body.detail.message).toContain('EMBEDDINGS_MAX_INPUTS');
    expect(many.body.detail.message).toContain('3');

    const long = await embed({ input: ['short', 'word '.repeat(21)] }, writePat);
    expectError(long, 413, 'INPUT_TOO_LONG');
    expect(long.body.detail.message).toMatch(/Input 1 .*20 tokens.*EMBEDDINGS_MAX_INPUT_TOKENS/);

    const total = await embed({ input: ['word '.repeat(15), 'word '.repeat(16)] }, writePat);
    expectError(total, 413, 'TOO_MANY_TOKENS');
    expect(total.body.detail.message).toMatch(/30 tokens.*EMBEDDINGS_MAX_TOTAL_TOKENS/);

    // A body near MAX_BODY_BYTES in one input is refused without being tokenized in full (that would be a 500).
    const huge = await embed({ input: 'x'.repeat(6 * 1024 * 1024 - 100) }, writePat);
    expectError(huge, 413, 'INPUT_TOO_LONG');
    expect(embedder.calls.length).toBe(before);
  });

  it('embeds within the limits and reports the counted tokens as usage', async () => {
    const input = ['hello world', 'word '.repeat(15)];
    const tokens = countTokens(input[0] ?? '') + countTokens(input[1] ?? '');
    const response = await embed({ input }, writePat);
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(2);
    expect(response.body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it('takes a JWT or a read_write PAT, refuses read-only PATs and CATs of either permission with 403', async () => {
    expect((await embed({ input: 'hello' }, user.accessToken)).status).toBe(200);
    expect((await embed({ input: 'hello' }, writePat)).status).toBe(200);
    const before = embedder.calls.length;
    for (const token of [readPat, readCat, writeCat]) {
      const refused = await embed({ input: 'hello' }, token);
      expectError(refused, 403, 'INSUFFICIENT_SCOPE');
      expect(refused.body.detail.message).toContain('/v1/embeddings');
    }
    expect(embedder.calls.length).toBe(before);
  });

  it('lets read-only PATs and CATs in with EMBEDDINGS_ALLOW_READ_TOKENS=true', async () => {
    const openApi = new ApiClient(open.url);
    const owner = await createUser(openApi, 'openembed');
    const read = await openApi.post('/api/v1/auth/pat', { label: 'r', scopes: ['read'] }, owner.accessToken);
    const cat = await createCat(openApi, owner.accessToken, owner.defaultCollectionId, 'read');
    for (const token of [read.body.token, cat]) {
      expect((await embed({ input: 'hello' }, token, openApi)).status).toBe(200);
    }
  });
});

describe('JWT lifetime', () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  /** The claims of a real access token, without its times. */
  let claims: Record<string, unknown>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    server = await startTestServer({ JWT_ACCESS_TOKEN_EXPIRE_MINUTES: '30' });
    api = new ApiClient(server.url);
    user = await createUser(api, 'lifetime');
    const { exp: _exp, iat: _iat, ...rest } = decodeJwt(user.accessToken);
    claims = rest;
  });
  afterAll(() => server?.close());

  const status = async (token: string) => (await api.get(PROFILE, token)).status;

  it('accepts what the server issues and tokens up to the configured lifetime (the control)', async () => {
    expect(await status(user.accessToken)).toBe(200);
    expect(await status(await signed(claims, (jwt) => jwt.setIssuedAt().setExpirationTime('30m')))).toBe(200);
    // Within the minute of clock skew.
    expect(
      await status(
        await signed(claims, (jwt) => jwt.setIssuedAt(now() - 30).setExpirationTime(now() + 1800)),
      ),
    ).toBe(200);
    // Without iat, the lifetime is counted from now.
    expect(await status(await signed(claims, (jwt) => jwt.setExpirationTime('29m')))).toBe(200);
  });

  it('refuses a correctly signed token without exp', async () => {
    const token = await signed(claims, (jwt) => jwt.setIssuedAt());
    expectError(await api.get(PROFILE, token), 401, 'INVALID_TOKEN');
    const mcp = await postMcp(server.url, initializeRequest(), { authorization: `Bearer ${token}` });
    expect(mcp.status).toBe(401);
  });

  it('refuses a lifetime above the configured one, counted from iat or, without it, from now', async () => {
    const cases = [
      (jwt: SignJWT) => jwt.setIssuedAt().setExpirationTime('32m'),
      (jwt: SignJWT) => jwt.setIssuedAt().setExpirationTime('365d'),
      // Issued two hours ago and still valid for ten minutes: a two-hour-ten lifetime.
      (jwt: SignJWT) => jwt.setIssuedAt(now() - 7200).setExpirationTime(now() + 600),
      (jwt: SignJWT) => jwt.setExpirationTime('2h'),
      // "Issued" in the future to make exp − iat look short.
      (jwt: SignJWT) => jwt.setIssuedAt(now() + 86_400).setExpirationTime(now() + 86_400 + 600),
    ];
    for (const [index, set] of cases.entries()) {
      const response = await api.get(PROFILE, await signed(claims, set));
      expect({ index, status: response.status, code: response.body.detail?.code }).toEqual({
        index,
        status: 401,
        code: 'INVALID_TOKEN',
      });
    }
  });
});
