import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccessTokens, personalAccessTokens } from '../src/db/schema.js';
import { ApiClient, createUser, promote, type TestUser } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PAT = '/api/v1/auth/pat';
const CAT = '/api/v1/auth/cat';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const PAT_SECRET = /^pat_live_[A-Za-z0-9_-]{43}$/;
const CAT_SECRET = /^cat_live_[A-Za-z0-9_-]{43}$/;
const DAY = 86_400_000;

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  // last_used is flushed only when a test asks for it, so "not yet in the database" is deterministic.
  server = await startTestServer({ LAST_USED_FLUSH_SECONDS: '3600' });
  api = new ApiClient(server.url);
});
afterAll(() => server?.close());

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** Days between two ISO timestamps. */
const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY;

function fieldsOf(body: { detail: { errors?: { field: string }[] } }): string[] {
  return [...new Set((body.detail.errors ?? []).map((e) => e.field))];
}

async function createPat(user: TestUser, body: Record<string, unknown> = {}) {
  const response = await api.post(PAT, { label: 'test token', ...body }, user.accessToken);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as {
    pat_id: string;
    token: string;
    label: string;
    expires_at: string;
    created_at: string;
  };
}

async function createCat(user: TestUser, body: Record<string, unknown> = {}) {
  const response = await api.post(
    CAT,
    { label: 'agent', collection_id: user.defaultCollectionId, ...body },
    user.accessToken,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as {
    cat_id: string;
    token: string;
    label: string;
    expires_at: string;
    created_at: string;
  };
}

/** 401 INVALID_TOKEN for a secret that no longer works. */
async function expectDead(secret: string) {
  const response = await api.get('/api/v1/auth/profile', secret);
  expect(response.status).toBe(401);
  expect(response.body.detail.code).toBe('INVALID_TOKEN');
}

/**
 * A live CAT is recognised and then refused on a user route (403); a dead one is not recognised (401). Until
 * document routes exist this is how a test sees that a CAT authenticates.
 */
async function expectCatAlive(secret: string) {
  const response = await api.get('/api/v1/collections', secret);
  expect(response.status).toBe(403);
  expect(response.body.detail.code).toBe('INSUFFICIENT_SCOPE');
}

async function expectCatDead(secret: string) {
  const response = await api.get('/api/v1/collections', secret);
  expect(response.status).toBe(401);
  expect(response.body.detail.code).toBe('INVALID_TOKEN');
}

describe('personal access tokens', () => {
  it('creates a token: 201, pat_live_ + 43 characters, read+write, 90 days by default', async () => {
    const user = await createUser(api);
    const response = await api.post(PAT, { label: 'laptop' }, user.accessToken);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      pat_id: expect.stringMatching(UUID),
      label: 'laptop',
      user_id: user.userId,
      scopes: ['read', 'write'],
      token: expect.stringMatching(PAT_SECRET),
      created_at: expect.stringMatching(ISO),
      expires_at: expect.stringMatching(ISO),
      last_used: null,
      is_active: true,
    });
    expect(daysBetween(response.body.created_at, response.body.expires_at)).toBeCloseTo(90, 3);
  });

  it('honours an explicit lifetime, up to PAT_MAX_EXPIRY_DAYS', async () => {
    const user = await createUser(api);
    const ten = await createPat(user, { expires_in_days: 10 });
    expect(daysBetween(ten.created_at, ten.expires_at)).toBeCloseTo(10, 3);
    const max = await createPat(user, { expires_in_days: 365 });
    expect(daysBetween(max.created_at, max.expires_at)).toBeCloseTo(365, 3);
    const defaulted = await createPat(user, { expires_in_days: null });
    expect(daysBetween(defaulted.created_at, defaulted.expires_at)).toBeCloseTo(90, 3);
  });

  it.each([
    ['0', 0],
    ['-1', -1],
    ['366 (above PAT_MAX_EXPIRY_DAYS)', 366],
    ['1.5', 1.5],
    ['a huge number', 1e15],
    ['a string', '10'],
  ])('rejects expires_in_days %s with 422', async (_name, days) => {
    const user = await createUser(api);
    const response = await api.post(PAT, { label: 'x', expires_in_days: days }, user.accessToken);
    expect(response.status).toBe(422);
    expect(response.body.detail.code).toBe('VALIDATION_ERROR');
    expect(fieldsOf(response.body)).toEqual(['expires_in_days']);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['101 characters', 'l'.repeat(101)],
    ['a control character', 'line\nbreak'],
  ])('rejects a label that is %s with 422', async (_name, label) => {
    const user = await createUser(api);
    const response = await api.post(PAT, { label }, user.accessToken);
    expect(response.status).toBe(422);
    expect(fieldsOf(response.body)).toEqual(['label']);
  });

  it('accepts a 100-character label and trims it', async () => {
    const user = await createUser(api);
    expect((await createPat(user, { label: 'l'.repeat(100) })).label).toBe('l'.repeat(100));
    expect((await createPat(user, { label: '  padded  ' })).label).toBe('padded');
  });

  it('rejects scopes without "read" or with unknown values', async () => {
    const user = await createUser(api);
    for (const scopes of [['write'], ['admin'], ['read', 'admin'], []]) {
      const response = await api.post(PAT, { label: 'x', scopes }, user.accessToken);
      expect(response.status, JSON.stringify(scopes)).toBe(422);
      expect(fieldsOf(response.body)[0]).toMatch(/^scopes/);
    }
  });

  it('lists the caller’s tokens newest first, without secrets', async () => {
    const user = await createUser(api);
    const other = await createUser(api);
    const first = await createPat(user, { label: 'first' });
    const second = await createPat(user, { label: 'second' });
    const third = await createPat(user, { label: 'third' });
    await createPat(other, { label: 'not mine' });

    const response = await api.get(PAT, user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.tokens.map((t: { label: string }) => t.label)).toEqual(['third', 'second', 'first']);
    expect(response.body.tokens[0]).toEqual({
      pat_id: third.pat_id,
      label: 'third',
      user_id: user.userId,
      scopes: ['read', 'write'],
      created_at: third.created_at,
      expires_at: third.expires_at,
      last_used: null,
      is_active: true,
    });
    const text = JSON.stringify(response.body);
    for (const created of [first, second, third]) {
      expect(text).not.toContain(created.token);
      expect(text).not.toContain(created.token.slice('pat_live_'.length));
    }
  });

  it('authenticates REST routes (profile, collections) as its user', async () => {
    const user = await createUser(api);
    const { token } = await createPat(user);
    const me = await api.get('/api/v1/auth/profile', token);
    expect(me.status).toBe(200);
    expect(me.body.user_id).toBe(user.userId);
    const collections = await api.get('/api/v1/collections', token);
    expect(collections.status).toBe(200);
    expect(collections.body.collections.map((c: { collection_id: string }) => c.collection_id)).toEqual([
      user.defaultCollectionId,
    ]);
    const created = await api.post('/api/v1/collections', { name: 'made-by-pat' }, token);
    expect(created.status).toBe(201);
  });

  it('a read-only PAT can read but not write (403 INSUFFICIENT_SCOPE)', async () => {
    const user = await createUser(api);
    const readOnly = await createPat(user, { scopes: ['read'] });
    expect((await api.get(PAT, user.accessToken)).body.tokens[0].scopes).toEqual(['read']);

    const list = await api.get('/api/v1/collections', readOnly.token);
    expect(list.status).toBe(200);
    expect(list.body.collections).toHaveLength(1);
    const write = await api.post('/api/v1/collections', { name: 'nope' }, readOnly.token);
    expect(write.status).toBe(403);
    expect(write.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    // Nor can it mint itself a stronger token.
    const mint = await api.post(PAT, { label: 'escalate' }, readOnly.token);
    expect(mint.status).toBe(403);
    expect(mint.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    const mintCat = await api.post(
      CAT,
      { label: 'escalate', collection_id: user.defaultCollectionId },
      readOnly.token,
    );
    expect(mintCat.status).toBe(403);
    expect(mintCat.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    // The collection list is unchanged.
    expect((await api.get('/api/v1/collections', user.accessToken)).body.collections).toHaveLength(1);
  });

  it('rotates: same id, new secret, old secret dead at once, new label, expiry restarts', async () => {
    const user = await createUser(api);
    const original = await createPat(user, { label: 'before', expires_in_days: 10 });
    const response = await api.post(
      `${PAT}/${original.pat_id}/rotate`,
      { label: 'after', expires_in_days: 30 },
      user.accessToken,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      pat_id: original.pat_id,
      label: 'after',
      created_at: original.created_at,
    });
    expect(response.body.token).toMatch(PAT_SECRET);
    expect(response.body.token).not.toBe(original.token);
    expect(daysBetween(new Date().toISOString(), response.body.expires_at)).toBeCloseTo(30, 2);

    await expectDead(original.token);
    expect((await api.get('/api/v1/auth/profile', response.body.token)).status).toBe(200);

    // Without a body: the label stays and the lifetime restarts at the default.
    const again = await api.post(`${PAT}/${original.pat_id}/rotate`, undefined, user.accessToken);
    expect(again.status).toBe(200);
    expect(again.body.label).toBe('after');
    expect(daysBetween(new Date().toISOString(), again.body.expires_at)).toBeCloseTo(90, 2);
    await expectDead(response.body.token);
    expect((await api.get('/api/v1/auth/profile', again.body.token)).status).toBe(200);

    const list = await api.get(PAT, user.accessToken);
    expect(list.body.tokens).toHaveLength(1);
  });

  it('rejects a rotation lifetime above the maximum', async () => {
    const user = await createUser(api);
    const pat = await createPat(user);
    const response = await api.post(
      `${PAT}/${pat.pat_id}/rotate`,
      { expires_in_days: 366 },
      user.accessToken,
    );
    expect(response.status).toBe(422);
    expect(fieldsOf(response.body)).toEqual(['expires_in_days']);
    // The failed rotation changed nothing.
    expect((await api.get('/api/v1/auth/profile', pat.token)).status).toBe(200);
  });

  it.each([
    ['DELETE /auth/pat/{id}', 'DELETE', (id: string) => `${PAT}/${id}`],
    ['POST /auth/pat/{id}/delete', 'POST', (id: string) => `${PAT}/${id}/delete`],
  ])('revokes through %s', async (_name, method, path) => {
    const user = await createUser(api);
    const keep = await createPat(user, { label: 'keep' });
    const pat = await createPat(user, { label: 'revoke me' });
    expect((await api.get('/api/v1/auth/profile', pat.token)).status).toBe(200);

    const response = await api.request(method, path(pat.pat_id), { token: user.accessToken });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: expect.any(String) });
    await expectDead(pat.token);
    const list = await api.get(PAT, user.accessToken);
    expect(list.body.tokens.map((t: { pat_id: string }) => t.pat_id)).toEqual([keep.pat_id]);
    expect((await api.get('/api/v1/auth/profile', keep.token)).status).toBe(200);

    const again = await api.request(method, path(pat.pat_id), { token: user.accessToken });
    expect(again.status).toBe(404);
    expect(again.body.detail.code).toBe('PAT_NOT_FOUND');
  });

  it('answers 404 PAT_NOT_FOUND for garbage ids', async () => {
    const user = await createUser(api);
    for (const response of [
      await api.post(`${PAT}/not-a-uuid/rotate`, {}, user.accessToken),
      await api.delete(`${PAT}/not-a-uuid`, user.accessToken),
      await api.post(`${PAT}/00000000-0000-4000-8000-000000000000/delete`, undefined, user.accessToken),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body.detail.code).toBe('PAT_NOT_FOUND');
    }
  });

  it('another user (even a superuser) cannot see, rotate or revoke my PAT', async () => {
    const owner = await createUser(api);
    const pat = await createPat(owner);
    const stranger = await createUser(api);
    const admin = await createUser(api, 'admin');
    await promote(api, admin.userId);

    for (const intruder of [stranger, admin]) {
      const list = await api.get(PAT, intruder.accessToken);
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toContain(pat.pat_id);
      const rotate = await api.post(`${PAT}/${pat.pat_id}/rotate`, {}, intruder.accessToken);
      expect(rotate.status).toBe(404);
      expect(rotate.body.detail.code).toBe('PAT_NOT_FOUND');
      for (const response of [
        await api.delete(`${PAT}/${pat.pat_id}`, intruder.accessToken),
        await api.post(`${PAT}/${pat.pat_id}/delete`, undefined, intruder.accessToken),
      ]) {
        expect(response.status).toBe(404);
        expect(response.body.detail.code).toBe('PAT_NOT_FOUND');
      }
    }
    // Untouched: the original secret still works.
    expect((await api.get('/api/v1/auth/profile', pat.token)).status).toBe(200);
  });

  it('stops working once expired, and is listed as inactive', async () => {
    const user = await createUser(api);
    const pat = await createPat(user);
    await server.handle.db
      .update(personalAccessTokens)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(personalAccessTokens.id, pat.pat_id));
    await expectDead(pat.token);
    const list = await api.get(PAT, user.accessToken);
    expect(list.body.tokens[0]).toMatchObject({ pat_id: pat.pat_id, is_active: false });
  });

  it('stores only the SHA-256 of the secret', async () => {
    const user = await createUser(api);
    const pat = await createPat(user);
    const [row] = await server.handle.db
      .select()
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.id, pat.pat_id));
    expect(row).toBeDefined();
    expect(row?.tokenHash).toBe(sha256(pat.token));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(pat.token);
    expect(stored).not.toContain(pat.token.slice('pat_live_'.length));

    const rotated = await api.post(`${PAT}/${pat.pat_id}/rotate`, {}, user.accessToken);
    const [after] = await server.handle.db
      .select({ tokenHash: personalAccessTokens.tokenHash })
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.id, pat.pat_id));
    expect(after?.tokenHash).toBe(sha256(rotated.body.token));
  });
});

describe('collection access tokens', () => {
  it('creates a token on an own collection: 201, cat_live_, collection name, read_write by default', async () => {
    const user = await createUser(api);
    const response = await api.post(
      CAT,
      { label: 'agent', collection_id: user.defaultCollectionId },
      user.accessToken,
    );
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      cat_id: expect.stringMatching(UUID),
      label: 'agent',
      collection_id: user.defaultCollectionId,
      collection_name: 'default',
      permission: 'read_write',
      token: expect.stringMatching(CAT_SECRET),
      created_at: expect.stringMatching(ISO),
      expires_at: expect.stringMatching(ISO),
      last_used: null,
      is_active: true,
    });
    expect(daysBetween(response.body.created_at, response.body.expires_at)).toBeCloseTo(90, 3);
    const read = await createCat(user, { permission: 'read', expires_in_days: 7 });
    expect(read).toMatchObject({ permission: 'read' });
    expect(daysBetween(read.created_at, read.expires_at)).toBeCloseTo(7, 3);
    await expectCatAlive(response.body.token);
    // The collection counts its tokens.
    const collection = await api.get(`/api/v1/collections/${user.defaultCollectionId}`, user.accessToken);
    expect(collection.body.cat_count).toBe(2);
  });

  it('rejects an unknown permission, a bad lifetime and a missing collection_id with 422', async () => {
    const user = await createUser(api);
    const cases: [Record<string, unknown>, string][] = [
      [{ label: 'x', collection_id: user.defaultCollectionId, permission: 'write' }, 'permission'],
      [{ label: 'x', collection_id: user.defaultCollectionId, expires_in_days: 366 }, 'expires_in_days'],
      [{ label: 'x', collection_id: user.defaultCollectionId, expires_in_days: 0 }, 'expires_in_days'],
      [{ label: '', collection_id: user.defaultCollectionId }, 'label'],
      [{ label: 'x' }, 'collection_id'],
    ];
    for (const [body, field] of cases) {
      const response = await api.post(CAT, body, user.accessToken);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(fieldsOf(response.body)).toEqual([field]);
    }
  });

  it("answers 404 COLLECTION_NOT_FOUND for another user's collection and for a garbage id", async () => {
    const user = await createUser(api);
    const other = await createUser(api);
    for (const collectionId of [
      other.defaultCollectionId,
      'not-a-uuid',
      '00000000-0000-4000-8000-000000000000',
    ]) {
      const response = await api.post(CAT, { label: 'x', collection_id: collectionId }, user.accessToken);
      expect(response.status, collectionId).toBe(404);
      expect(response.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    }
    expect((await api.get(CAT, other.accessToken)).body.tokens).toEqual([]);
  });

  it('lists tokens newest first, filtered by collection_id, without secrets', async () => {
    const user = await createUser(api);
    const second = await api.post('/api/v1/collections', { name: 'second' }, user.accessToken);
    expect(second.status).toBe(201);
    const a = await createCat(user, { label: 'a' });
    const b = await createCat(user, {
      label: 'b',
      collection_id: second.body.collection_id,
      permission: 'read',
    });
    const c = await createCat(user, { label: 'c' });

    const all = await api.get(CAT, user.accessToken);
    expect(all.status).toBe(200);
    expect(all.body.tokens.map((t: { label: string }) => t.label)).toEqual(['c', 'b', 'a']);
    expect(all.body.tokens[1]).toEqual({
      cat_id: b.cat_id,
      label: 'b',
      collection_id: second.body.collection_id,
      collection_name: 'second',
      permission: 'read',
      created_at: b.created_at,
      expires_at: b.expires_at,
      last_used: null,
      is_active: true,
    });
    const text = JSON.stringify(all.body);
    for (const created of [a, b, c]) expect(text).not.toContain(created.token.slice('cat_live_'.length));

    const filtered = await api.get(`${CAT}?collection_id=${user.defaultCollectionId}`, user.accessToken);
    expect(filtered.status).toBe(200);
    expect(filtered.body.tokens.map((t: { cat_id: string }) => t.cat_id)).toEqual([c.cat_id, a.cat_id]);
    const other = await api.get(`${CAT}?collection_id=${second.body.collection_id}`, user.accessToken);
    expect(other.body.tokens.map((t: { cat_id: string }) => t.cat_id)).toEqual([b.cat_id]);
  });

  it('rotates: same id, new secret, old secret dead, label changed, permission kept, expiry restarts', async () => {
    const user = await createUser(api);
    const cat = await createCat(user, { label: 'before', permission: 'read', expires_in_days: 3 });
    const response = await api.post(`${CAT}/${cat.cat_id}/rotate`, { label: 'after' }, user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      cat_id: cat.cat_id,
      label: 'after',
      permission: 'read',
      collection_id: user.defaultCollectionId,
      collection_name: 'default',
      created_at: cat.created_at,
    });
    expect(response.body.token).toMatch(CAT_SECRET);
    expect(response.body.token).not.toBe(cat.token);
    expect(daysBetween(new Date().toISOString(), response.body.expires_at)).toBeCloseTo(90, 2);
    await expectCatDead(cat.token);
    await expectCatAlive(response.body.token);

    const noBody = await api.post(`${CAT}/${cat.cat_id}/rotate`, undefined, user.accessToken);
    expect(noBody.status).toBe(200);
    expect(noBody.body.label).toBe('after');
    await expectCatDead(response.body.token);
    await expectCatAlive(noBody.body.token);
  });

  it.each([
    ['DELETE /auth/cat/{id}', 'DELETE', (id: string) => `${CAT}/${id}`],
    ['POST /auth/cat/{id}/delete', 'POST', (id: string) => `${CAT}/${id}/delete`],
  ])('revokes through %s', async (_name, method, path) => {
    const user = await createUser(api);
    const keep = await createCat(user, { label: 'keep' });
    const cat = await createCat(user, { label: 'revoke me' });
    await expectCatAlive(cat.token);

    const response = await api.request(method, path(cat.cat_id), { token: user.accessToken });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: expect.any(String) });
    await expectCatDead(cat.token);
    await expectCatAlive(keep.token);
    const list = await api.get(CAT, user.accessToken);
    expect(list.body.tokens.map((t: { cat_id: string }) => t.cat_id)).toEqual([keep.cat_id]);

    const again = await api.request(method, path(cat.cat_id), { token: user.accessToken });
    expect(again.status).toBe(404);
    expect(again.body.detail.code).toBe('CAT_NOT_FOUND');
  });

  it('is refused on user-level routes with 403 INSUFFICIENT_SCOPE', async () => {
    const user = await createUser(api);
    const cat = await createCat(user);
    const attempts: [string, string, unknown?][] = [
      ['GET', '/api/v1/collections'],
      ['GET', `/api/v1/collections/${user.defaultCollectionId}`],
      ['POST', '/api/v1/collections', { name: 'from-cat' }],
      ['GET', '/api/v1/auth/profile'],
      ['GET', PAT],
      ['POST', PAT, { label: 'from-cat' }],
      ['GET', CAT],
      ['POST', CAT, { label: 'from-cat', collection_id: user.defaultCollectionId }],
      ['POST', `${CAT}/${cat.cat_id}/rotate`, {}],
      ['DELETE', `${CAT}/${cat.cat_id}`],
    ];
    for (const [method, path, body] of attempts) {
      const response = await api.request(method, path, { token: cat.token, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    }
    // Nothing was created or revoked by those attempts.
    const list = await api.get(CAT, user.accessToken);
    expect(list.body.tokens.map((t: { cat_id: string }) => t.cat_id)).toEqual([cat.cat_id]);
    expect((await api.get(PAT, user.accessToken)).body.tokens).toEqual([]);
    expect((await api.get('/api/v1/collections', user.accessToken)).body.collections).toHaveLength(1);
  });

  it('another user cannot see, rotate or revoke my CAT (404 CAT_NOT_FOUND)', async () => {
    const owner = await createUser(api);
    const cat = await createCat(owner);
    const stranger = await createUser(api);

    const list = await api.get(CAT, stranger.accessToken);
    expect(list.body.tokens).toEqual([]);
    const filtered = await api.get(`${CAT}?collection_id=${owner.defaultCollectionId}`, stranger.accessToken);
    expect(filtered.status).toBe(404);
    expect(filtered.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    for (const response of [
      await api.post(`${CAT}/${cat.cat_id}/rotate`, {}, stranger.accessToken),
      await api.delete(`${CAT}/${cat.cat_id}`, stranger.accessToken),
      await api.post(`${CAT}/${cat.cat_id}/delete`, undefined, stranger.accessToken),
      await api.post(`${CAT}/not-a-uuid/rotate`, {}, owner.accessToken),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body.detail.code).toBe('CAT_NOT_FOUND');
    }
    await expectCatAlive(cat.token);
  });

  it('stores only the SHA-256 of the secret', async () => {
    const user = await createUser(api);
    const cat = await createCat(user);
    const [row] = await server.handle.db
      .select()
      .from(collectionAccessTokens)
      .where(eq(collectionAccessTokens.id, cat.cat_id));
    expect(row).toBeDefined();
    expect(row?.keyHash).toBe(sha256(cat.token));
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(cat.token);
    expect(stored).not.toContain(cat.token.slice('cat_live_'.length));
  });

  it('stops working once expired', async () => {
    const user = await createUser(api);
    const cat = await createCat(user);
    await server.handle.db
      .update(collectionAccessTokens)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(eq(collectionAccessTokens.id, cat.cat_id));
    await expectCatDead(cat.token);
    expect((await api.get(CAT, user.accessToken)).body.tokens[0]).toMatchObject({ is_active: false });
  });
});

describe('last_used', () => {
  it('shows in listings right after use, and reaches the database on flush', async () => {
    const user = await createUser(api);
    const pat = await createPat(user);
    const cat = await createCat(user);
    const unused = await createPat(user, { label: 'unused' });

    expect((await api.get('/api/v1/auth/profile', pat.token)).status).toBe(200);
    await expectCatAlive(cat.token);

    const pats = await api.get(PAT, user.accessToken);
    const usedPat = pats.body.tokens.find((t: { pat_id: string }) => t.pat_id === pat.pat_id);
    expect(usedPat.last_used).toMatch(ISO);
    expect(Date.parse(usedPat.last_used)).toBeGreaterThanOrEqual(Date.parse(pat.created_at));
    expect(pats.body.tokens.find((t: { pat_id: string }) => t.pat_id === unused.pat_id).last_used).toBeNull();
    const cats = await api.get(CAT, user.accessToken);
    expect(cats.body.tokens[0].cat_id).toBe(cat.cat_id);
    expect(cats.body.tokens[0].last_used).toMatch(ISO);

    // Not written per request: the database does not have it yet…
    const patRow = () =>
      server.handle.db
        .select({ lastUsed: personalAccessTokens.lastUsed })
        .from(personalAccessTokens)
        .where(eq(personalAccessTokens.id, pat.pat_id));
    const catRow = () =>
      server.handle.db
        .select({ lastUsed: collectionAccessTokens.lastUsed })
        .from(collectionAccessTokens)
        .where(eq(collectionAccessTokens.id, cat.cat_id));
    expect((await patRow())[0]?.lastUsed).toBeNull();
    expect((await catRow())[0]?.lastUsed).toBeNull();

    // …until the batch is flushed.
    await server.ctx.lastUsed.flush();
    expect((await patRow())[0]?.lastUsed?.toISOString()).toBe(usedPat.last_used);
    expect((await catRow())[0]?.lastUsed?.toISOString()).toBe(cats.body.tokens[0].last_used);
    const [unusedRow] = await server.handle.db
      .select({ lastUsed: personalAccessTokens.lastUsed })
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.id, unused.pat_id));
    expect(unusedRow?.lastUsed).toBeNull();

    // After the flush the listing serves the stored value.
    const again = await api.get(PAT, user.accessToken);
    expect(again.body.tokens.find((t: { pat_id: string }) => t.pat_id === pat.pat_id).last_used).toBe(
      usedPat.last_used,
    );
  });

  it('a failed authentication does not count as use', async () => {
    const user = await createUser(api);
    const pat = await createPat(user);
    await api.post(`${PAT}/${pat.pat_id}/rotate`, {}, user.accessToken);
    await expectDead(pat.token);
    const list = await api.get(PAT, user.accessToken);
    expect(list.body.tokens[0].last_used).toBeNull();
  });
});

describe('per-credential rate limit', () => {
  let limited: TestServer;
  let limitedApi: ApiClient;

  beforeAll(async () => {
    limited = await startTestServer({ RATE_LIMIT_PER_MINUTE: '5' });
    limitedApi = new ApiClient(limited.url);
  });
  afterAll(() => limited?.close());

  it('limits each token on its own: the 6th request of a PAT in a minute gets 429 RATE_LIMITED', async () => {
    const user = await createUser(limitedApi); // one JWT request (GET /collections)
    const created = await limitedApi.post(PAT, { label: 'busy' }, user.accessToken); // two
    expect(created.status).toBe(201);
    for (let i = 0; i < 5; i++) {
      expect((await limitedApi.get('/api/v1/auth/profile', created.body.token)).status).toBe(200);
    }
    const sixth = await limitedApi.get('/api/v1/auth/profile', created.body.token);
    expect(sixth.status).toBe(429);
    expect(sixth.body.detail.code).toBe('RATE_LIMITED');
    // The user's JWT has its own budget.
    expect((await limitedApi.get('/api/v1/auth/profile', user.accessToken)).status).toBe(200);
  });
});
