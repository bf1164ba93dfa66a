import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionAccessTokens, documents } from '../src/db/schema.js';
import { ApiClient, createUser, expectError, type TestUser } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
});
afterAll(() => server?.close());

const COLLECTIONS = '/api/v1/collections';
const one = (id: string) => `${COLLECTIONS}/${encodeURIComponent(id)}`;

interface CollectionBody {
  collection_id: string;
  name: string;
  document_count: number;
  cat_count: number;
  created_at: string;
  updated_at: string;
}

async function createCollection(user: TestUser, name: string): Promise<CollectionBody> {
  const response = await api.post<CollectionBody>(COLLECTIONS, { name }, user.accessToken);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function createCat(user: TestUser, collectionId: string, permission: 'read' | 'read_write' = 'read') {
  const response = await api.post(
    '/api/v1/auth/cat',
    { label: 'agent', collection_id: collectionId, permission },
    user.accessToken,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { cat_id: string; token: string };
}

async function createPat(user: TestUser, scopes?: ('read' | 'write')[]) {
  const response = await api.post(
    '/api/v1/auth/pat',
    { label: 'pat', ...(scopes ? { scopes } : {}) },
    user.accessToken,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { pat_id: string; token: string };
}

async function listNames(user: TestUser): Promise<string[]> {
  const response = await api.get(`${COLLECTIONS}?limit=100`, user.accessToken);
  expect(response.status).toBe(200);
  return response.body.collections.map((c: CollectionBody) => c.name);
}

describe('POST /collections', () => {
  it('creates a collection with every field and the name trimmed', async () => {
    const user = await createUser(api);
    const response = await api.post(COLLECTIONS, { name: '  Research notes  ' }, user.accessToken);
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(
      ['cat_count', 'collection_id', 'created_at', 'document_count', 'name', 'updated_at'].sort(),
    );
    expect(response.body).toMatchObject({ name: 'Research notes', document_count: 0, cat_count: 0 });
    expect(response.body.collection_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
    expect(response.body.updated_at).toBe(response.body.created_at);

    const fetched = await api.get(one(response.body.collection_id), user.accessToken);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(response.body);
    expect(await listNames(user)).toEqual(['default', 'Research notes']);
  });

  it('accepts exactly 100 characters, including non-ASCII ones', async () => {
    const user = await createUser(api);
    expect((await api.post(COLLECTIONS, { name: 'a'.repeat(100) }, user.accessToken)).status).toBe(201);
    const accented = await api.post(COLLECTIONS, { name: 'é'.repeat(100) }, user.accessToken);
    expect(accented.status).toBe(201);
    expect(accented.body.name).toBe('é'.repeat(100));
  });

  it.each([
    ['empty', ''],
    ['whitespace only', '   \t  '],
    ['101 characters', 'a'.repeat(101)],
    ['101 characters after trimming', ` ${'b'.repeat(101)} `],
    ['a newline', 'two\nlines'],
    ['a NUL byte', 'nul\u0000byte'],
    ['a bell character', 'ring\u0007'],
    ['DEL', 'del\u007f'],
    ['a number', 42],
    ['null', null],
  ])('rejects a name that is %s with 422', async (_label, name) => {
    const user = await createUser(api);
    const response = await api.post(COLLECTIONS, { name }, user.accessToken);
    expectError(response, 422, 'VALIDATION_ERROR');
    expect(response.body.detail.errors[0]).toMatchObject({ location: 'body', field: 'name' });
    expect(await listNames(user)).toEqual(['default']);
  });

  it('rejects a missing name and a missing body with 422', async () => {
    const user = await createUser(api);
    expectError(await api.post(COLLECTIONS, {}, user.accessToken), 422, 'VALIDATION_ERROR');
    expectError(await api.post(COLLECTIONS, undefined, user.accessToken), 422, 'VALIDATION_ERROR');
  });

  it('refuses a duplicate name ignoring case with 409, but other users may use it', async () => {
    const user = await createUser(api);
    await createCollection(user, 'Projects');
    for (const name of ['Projects', 'projects', 'PROJECTS', '  pRoJeCtS ', 'Default', 'DEFAULT']) {
      expectError(await api.post(COLLECTIONS, { name }, user.accessToken), 409, 'COLLECTION_NAME_EXISTS');
    }
    expect(await listNames(user)).toEqual(['default', 'Projects']);

    const other = await createUser(api);
    expect((await api.post(COLLECTIONS, { name: 'projects' }, other.accessToken)).status).toBe(201);
  });

  it('creates exactly one collection when 10 requests race for the same name', async () => {
    const user = await createUser(api);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.post(COLLECTIONS, { name: i % 2 === 0 ? 'Race' : 'race' }, user.accessToken),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(response.body.detail.code).toBe('COLLECTION_NAME_EXISTS');
    }
    const names = await listNames(user);
    expect(names.filter((n) => n.toLowerCase() === 'race')).toHaveLength(1);
    expect(names).toHaveLength(2);
  });
});

describe('GET /collections', () => {
  it("lists only the caller's collections, by name ignoring case, with total", async () => {
    const user = await createUser(api);
    const other = await createUser(api);
    await createCollection(other, 'aaa other');
    for (const name of ['gamma', 'Beta', 'alpha', 'Delta']) await createCollection(user, name);

    const response = await api.get(COLLECTIONS, user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ total: 5, limit: 100, offset: 0 });
    expect(response.body.collections.map((c: CollectionBody) => c.name)).toEqual([
      'alpha',
      'Beta',
      'default',
      'Delta',
      'gamma',
    ]);
    for (const c of response.body.collections as CollectionBody[]) {
      expect(c).toMatchObject({ document_count: 0, cat_count: 0 });
    }
    expect(await listNames(other)).toEqual(['aaa other', 'default']);
  });

  it('pages with limit and offset, total staying the full count', async () => {
    const user = await createUser(api);
    for (const name of ['c1', 'c2', 'c3', 'c4']) await createCollection(user, name);
    // c1 c2 c3 c4 default
    const page = async (query: string) => {
      const response = await api.get(`${COLLECTIONS}?${query}`, user.accessToken);
      expect(response.status).toBe(200);
      return response.body as { collections: CollectionBody[]; total: number; limit: number; offset: number };
    };
    const first = await page('limit=2');
    expect(first.collections.map((c) => c.name)).toEqual(['c1', 'c2']);
    expect(first).toMatchObject({ total: 5, limit: 2, offset: 0 });
    const second = await page('limit=2&offset=2');
    expect(second.collections.map((c) => c.name)).toEqual(['c3', 'c4']);
    expect(second).toMatchObject({ total: 5, limit: 2, offset: 2 });
    const last = await page('limit=2&offset=4');
    expect(last.collections.map((c) => c.name)).toEqual(['default']);
    const beyond = await page('limit=2&offset=50');
    expect(beyond.collections).toEqual([]);
    expect(beyond.total).toBe(5);
    const max = await page('limit=100');
    expect(max.collections).toHaveLength(5);
  });

  it.each(['limit=0', 'limit=101', 'limit=-1', 'limit=abc', 'limit=1.5', 'offset=-1', 'offset=x'])(
    'rejects %s with 422',
    async (query) => {
      const user = await createUser(api);
      const response = await api.get(`${COLLECTIONS}?${query}`, user.accessToken);
      expectError(response, 422, 'VALIDATION_ERROR');
      expect(response.body.detail.errors[0].location).toBe('querystring');
    },
  );
});

describe('GET /collections/{id}', () => {
  it('returns counts: no documents, and the CATs created for it', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'with tokens');
    await createCat(user, created.collection_id, 'read');
    await createCat(user, created.collection_id, 'read_write');
    await createCat(user, user.defaultCollectionId, 'read');

    const response = await api.get(one(created.collection_id), user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      collection_id: created.collection_id,
      name: 'with tokens',
      document_count: 0,
      cat_count: 2,
    });
    const list = await api.get(COLLECTIONS, user.accessToken);
    const counts = Object.fromEntries(
      (list.body.collections as CollectionBody[]).map((c) => [c.name, c.cat_count]),
    );
    expect(counts).toEqual({ default: 1, 'with tokens': 2 });
  });

  it('counts the documents of each collection', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'with documents');
    // Seeded directly: this file tests collections, not document storage.
    await server.handle.db.insert(documents).values(
      ['one', 'two'].map((title) => ({
        collectionId: created.collection_id,
        title,
        content: `content ${title}`,
        contentHash: `hash-${title}`,
      })),
    );
    expect((await api.get(one(created.collection_id), user.accessToken)).body.document_count).toBe(2);
    expect((await api.get(one(user.defaultCollectionId), user.accessToken)).body.document_count).toBe(0);
    const list = await api.get(COLLECTIONS, user.accessToken);
    const counts = Object.fromEntries(
      (list.body.collections as CollectionBody[]).map((c) => [c.name, c.document_count]),
    );
    expect(counts).toEqual({ default: 0, 'with documents': 2 });
    const renamed = await api.patch(one(created.collection_id), { name: 'renamed' }, user.accessToken);
    expect(renamed.body.document_count).toBe(2);
  });
});

describe('PATCH /collections/{id}', () => {
  it('renames, keeping id and created_at and moving updated_at forward', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'old name');
    const response = await api.patch(one(created.collection_id), { name: '  new name ' }, user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      collection_id: created.collection_id,
      name: 'new name',
      created_at: created.created_at,
      document_count: 0,
      cat_count: 0,
    });
    expect(Date.parse(response.body.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    expect((await api.get(one(created.collection_id), user.accessToken)).body).toEqual(response.body);
    expect(await listNames(user)).toEqual(['default', 'new name']);
    // The old name is free again.
    expect((await api.post(COLLECTIONS, { name: 'Old Name' }, user.accessToken)).status).toBe(201);
  });

  it('returns the current cat_count after renaming', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'counted');
    await createCat(user, created.collection_id);
    const response = await api.patch(one(created.collection_id), { name: 'still counted' }, user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.cat_count).toBe(1);
  });

  it("refuses another collection's name ignoring case with 409, leaving both unchanged", async () => {
    const user = await createUser(api);
    const first = await createCollection(user, 'First');
    const second = await createCollection(user, 'Second');
    for (const name of ['first', 'FIRST', 'default']) {
      expectError(
        await api.patch(one(second.collection_id), { name }, user.accessToken),
        409,
        'COLLECTION_NAME_EXISTS',
      );
    }
    expect((await api.get(one(second.collection_id), user.accessToken)).body).toEqual(second);
    expect((await api.get(one(first.collection_id), user.accessToken)).body).toEqual(first);
  });

  it('renames a collection to a different casing of its own name, and to its own name', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'mixed case');
    const recased = await api.patch(one(created.collection_id), { name: 'Mixed Case' }, user.accessToken);
    expect(recased.status).toBe(200);
    expect(recased.body.name).toBe('Mixed Case');
    const same = await api.patch(one(created.collection_id), { name: 'Mixed Case' }, user.accessToken);
    expect(same.status).toBe(200);
    expect(same.body.name).toBe('Mixed Case');
    expect(await listNames(user)).toEqual(['default', 'Mixed Case']);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['x'.repeat(101), 'too long'],
    ['tab\there', 'control character'],
  ])('rejects the name %j (%s) with 422 and keeps the old one', async (name) => {
    const user = await createUser(api);
    const created = await createCollection(user, 'keep me');
    expectError(
      await api.patch(one(created.collection_id), { name }, user.accessToken),
      422,
      'VALIDATION_ERROR',
    );
    expect((await api.get(one(created.collection_id), user.accessToken)).body.name).toBe('keep me');
  });
});

describe('DELETE /collections/{id}', () => {
  it('deletes; the collection is then gone everywhere', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'doomed');
    await server.handle.db.insert(documents).values({
      collectionId: created.collection_id,
      title: 'inside',
      content: 'inside content',
      contentHash: 'inside-hash',
    });
    const response = await api.delete(one(created.collection_id), user.accessToken);
    expect(response.status).toBe(200);
    // Its documents went with it.
    const left = await server.handle.db
      .select()
      .from(documents)
      .where(eq(documents.collectionId, created.collection_id));
    expect(left).toEqual([]);
    expect(response.body).toEqual({ message: expect.stringContaining('doomed') });
    expectError(await api.get(one(created.collection_id), user.accessToken), 404, 'COLLECTION_NOT_FOUND');
    expectError(
      await api.patch(one(created.collection_id), { name: 'zombie' }, user.accessToken),
      404,
      'COLLECTION_NOT_FOUND',
    );
    expectError(await api.delete(one(created.collection_id), user.accessToken), 404, 'COLLECTION_NOT_FOUND');
    expect(await listNames(user)).toEqual(['default']);
    // The name can be used again.
    expect((await api.post(COLLECTIONS, { name: 'doomed' }, user.accessToken)).status).toBe(201);
  });

  it('lets a user delete the default collection too', async () => {
    const user = await createUser(api);
    expect((await api.delete(one(user.defaultCollectionId), user.accessToken)).status).toBe(200);
    const list = await api.get(COLLECTIONS, user.accessToken);
    expect(list.body).toMatchObject({ collections: [], total: 0 });
  });

  it('refuses while a CAT exists (400) and works once it is revoked', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'guarded');
    const cat = await createCat(user, created.collection_id);

    const refused = await api.delete(one(created.collection_id), user.accessToken);
    expectError(refused, 400, 'COLLECTION_HAS_ACTIVE_CATS');
    const survived = await api.get(one(created.collection_id), user.accessToken);
    expect(survived.status).toBe(200);
    expect(survived.body.cat_count).toBe(1);
    // The CAT still authenticates (403 = known credential, wrong kind of route; a dead one would be 401).
    expectError(await api.get(COLLECTIONS, cat.token), 403, 'INSUFFICIENT_SCOPE');

    expect((await api.delete(`/api/v1/auth/cat/${cat.cat_id}`, user.accessToken)).status).toBe(200);
    expectError(await api.get(COLLECTIONS, cat.token), 401, 'INVALID_TOKEN');
    expect((await api.delete(one(created.collection_id), user.accessToken)).status).toBe(200);
    expectError(await api.get(one(created.collection_id), user.accessToken), 404, 'COLLECTION_NOT_FOUND');
  });

  it('counts an expired CAT as blocking too', async () => {
    const user = await createUser(api);
    const created = await createCollection(user, 'expired guard');
    const cat = await createCat(user, created.collection_id);
    await server.handle.db
      .update(collectionAccessTokens)
      .set({ expiresAt: new Date('2000-01-01T00:00:00Z') })
      .where(eq(collectionAccessTokens.id, cat.cat_id));
    expectError(await api.get(COLLECTIONS, cat.token), 401, 'INVALID_TOKEN');
    expectError(
      await api.delete(one(created.collection_id), user.accessToken),
      400,
      'COLLECTION_HAS_ACTIVE_CATS',
    );
  });

  it('never leaves a CAT on a deleted collection when creation and deletion race', async () => {
    const user = await createUser(api);
    for (let round = 0; round < 5; round++) {
      const created = await createCollection(user, `race ${round}`);
      const [cat, deleted] = await Promise.all([
        api.post(
          '/api/v1/auth/cat',
          { label: 'racer', collection_id: created.collection_id, permission: 'read' },
          user.accessToken,
        ),
        api.delete(one(created.collection_id), user.accessToken),
      ]);
      const fetched = await api.get(one(created.collection_id), user.accessToken);
      if (deleted.status === 200) {
        expectError(cat, 404, 'COLLECTION_NOT_FOUND');
        expectError(fetched, 404, 'COLLECTION_NOT_FOUND');
      } else {
        expectError(deleted, 400, 'COLLECTION_HAS_ACTIVE_CATS');
        expect(cat.status).toBe(201);
        expect(fetched.status).toBe(200);
        expect(fetched.body.cat_count).toBe(1);
      }
      const cats = await api.get('/api/v1/auth/cat', user.accessToken);
      for (const token of cats.body.tokens as { collection_id: string }[]) {
        const exists = await api.get(one(token.collection_id), user.accessToken);
        expect(exists.status).toBe(200);
      }
    }
  });
});

describe('ids that name nothing', () => {
  const ids = [
    randomUUID(),
    '00000000-0000-0000-0000-000000000000',
    'garbage',
    '1',
    "' or 1=1 --",
    'ÿ-not-a-uuid',
    `${randomUUID()}x`,
    'x'.repeat(100),
  ];

  it.each(ids)('GET, PATCH and DELETE of %j answer 404 COLLECTION_NOT_FOUND', async (id) => {
    const user = await createUser(api);
    expectError(await api.get(one(id), user.accessToken), 404, 'COLLECTION_NOT_FOUND');
    expectError(await api.patch(one(id), { name: 'x' }, user.accessToken), 404, 'COLLECTION_NOT_FOUND');
    expectError(await api.delete(one(id), user.accessToken), 404, 'COLLECTION_NOT_FOUND');
    expectError(
      await api.post('/api/v1/auth/cat', { label: 'x', collection_id: id }, user.accessToken),
      404,
      'COLLECTION_NOT_FOUND',
    );
  });

  it('rejects an id longer than 100 characters before any lookup', async () => {
    const user = await createUser(api);
    // Fastify's router matches no API route for a path parameter over 100 characters; the path then falls to
    // the catch-all of the web UI, which answers API paths with the API's own 404.
    expectError(await api.get(one('x'.repeat(101)), user.accessToken), 404, 'NOT_FOUND');
  });
});

describe('authentication and credential kinds', () => {
  it('answers 401 without credentials or with a bad one, on every route', async () => {
    const user = await createUser(api);
    const id = user.defaultCollectionId;
    const requests = (token?: string) => [
      api.request('POST', COLLECTIONS, { token, body: { name: 'x' } }),
      api.request('GET', COLLECTIONS, { token }),
      api.request('GET', one(id), { token }),
      api.request('PATCH', one(id), { token, body: { name: 'x' } }),
      api.request('DELETE', one(id), { token }),
    ];
    for (const response of await Promise.all(requests())) expectError(response, 401, 'UNAUTHORIZED');
    for (const token of ['nonsense', 'pat_live_doesnotexist', 'cat_live_doesnotexist', 'a.b.c']) {
      for (const response of await Promise.all(requests(token))) expectError(response, 401, 'INVALID_TOKEN');
    }
    const basic = await api.request('GET', COLLECTIONS, {
      headers: { authorization: `Basic ${btoa('a:b')}` },
    });
    expectError(basic, 401, 'UNAUTHORIZED');
    expect(await listNames(user)).toEqual(['default']);
  });

  it('accepts a PAT like a JWT', async () => {
    const user = await createUser(api);
    const pat = await createPat(user);
    const created = await api.post(COLLECTIONS, { name: 'via pat' }, pat.token);
    expect(created.status).toBe(201);
    expect((await api.get(one(created.body.collection_id), pat.token)).status).toBe(200);
    expect((await api.patch(one(created.body.collection_id), { name: 'renamed' }, pat.token)).status).toBe(
      200,
    );
    expect((await api.delete(one(created.body.collection_id), pat.token)).status).toBe(200);
    expect(await listNames(user)).toEqual(['default']);
  });

  it('lets a read-only PAT read but not create, rename or delete (403 INSUFFICIENT_SCOPE)', async () => {
    const user = await createUser(api);
    const pat = await createPat(user, ['read']);
    const id = user.defaultCollectionId;
    expect((await api.get(COLLECTIONS, pat.token)).status).toBe(200);
    expect((await api.get(one(id), pat.token)).status).toBe(200);
    expectError(await api.post(COLLECTIONS, { name: 'nope' }, pat.token), 403, 'INSUFFICIENT_SCOPE');
    expectError(await api.patch(one(id), { name: 'nope' }, pat.token), 403, 'INSUFFICIENT_SCOPE');
    expectError(await api.delete(one(id), pat.token), 403, 'INSUFFICIENT_SCOPE');
    expect(await listNames(user)).toEqual(['default']);
  });

  it('refuses CATs on collection routes with 403 INSUFFICIENT_SCOPE, even for their own collection', async () => {
    const user = await createUser(api);
    const id = user.defaultCollectionId;
    for (const permission of ['read', 'read_write'] as const) {
      const cat = await createCat(user, id, permission);
      expectError(await api.post(COLLECTIONS, { name: 'nope' }, cat.token), 403, 'INSUFFICIENT_SCOPE');
      expectError(await api.get(COLLECTIONS, cat.token), 403, 'INSUFFICIENT_SCOPE');
      expectError(await api.get(one(id), cat.token), 403, 'INSUFFICIENT_SCOPE');
      expectError(await api.patch(one(id), { name: 'nope' }, cat.token), 403, 'INSUFFICIENT_SCOPE');
      expectError(await api.delete(one(id), cat.token), 403, 'INSUFFICIENT_SCOPE');
    }
    expect(await listNames(user)).toEqual(['default']);
  });

  it('stops a logged-out JWT at once', async () => {
    const user = await createUser(api);
    expect((await api.post('/api/v1/auth/logout', {}, user.accessToken)).status).toBe(200);
    expectError(await api.get(COLLECTIONS, user.accessToken), 401, 'INVALID_TOKEN');
  });
});
