import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, promote, type TestUser } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
});
afterAll(() => server?.close());

interface Secret {
  id: string;
  token: string;
}

/** A user with every kind of credential and two collections. */
interface Tenant {
  user: TestUser;
  pat: Secret;
  readCat: Secret;
  readWriteCat: Secret;
  secondCollectionId: string;
}

/** The ids a cross-tenant request aims at. */
interface Target {
  defaultCollectionId: string;
  secondCollectionId: string;
  patId: string;
  readCatId: string;
  readWriteCatId: string;
}

async function createTenant(prefix: string): Promise<Tenant> {
  const user = await createUser(api, prefix);
  const token = user.accessToken;
  const pat = await api.post('/api/v1/auth/pat', { label: `${prefix} pat` }, token);
  expect(pat.status).toBe(201);
  const cat = async (permission: 'read' | 'read_write'): Promise<Secret> => {
    const body = { label: `${prefix} ${permission}`, collection_id: user.defaultCollectionId, permission };
    const response = await api.post('/api/v1/auth/cat', body, token);
    expect(response.status).toBe(201);
    return { id: response.body.cat_id, token: response.body.token };
  };
  const second = await api.post('/api/v1/collections', { name: `${prefix} second` }, token);
  expect(second.status).toBe(201);
  return {
    user,
    pat: { id: pat.body.pat_id, token: pat.body.token },
    readCat: await cat('read'),
    readWriteCat: await cat('read_write'),
    secondCollectionId: second.body.collection_id,
  };
}

const targetOf = (tenant: Tenant): Target => ({
  defaultCollectionId: tenant.user.defaultCollectionId,
  secondCollectionId: tenant.secondCollectionId,
  patId: tenant.pat.id,
  readCatId: tenant.readCat.id,
  readWriteCatId: tenant.readWriteCat.id,
});

const nowhere = (): Target => ({
  defaultCollectionId: randomUUID(),
  secondCollectionId: randomUUID(),
  patId: randomUUID(),
  readCatId: randomUUID(),
  readWriteCatId: randomUUID(),
});

type Kind = 'user' | 'cat';
function credentials(tenant: Tenant): [string, string, Kind][] {
  return [
    ['JWT', tenant.user.accessToken, 'user'],
    ['PAT', tenant.pat.token, 'user'],
    ['read CAT', tenant.readCat.token, 'cat'],
    ['read_write CAT', tenant.readWriteCat.token, 'cat'],
  ];
}

interface Route {
  name: string;
  request: (target: Target) => { method: string; path: string; body?: unknown };
  /** What a user credential gets for another tenant's resource: a 404 code, or a 200 body with nothing in it. */
  hidden: { status: 404; code: string } | { status: 200; body: unknown };
  /** Status for the owner, proving the request itself is well-formed. */
  ownerStatus: number;
}

const collectionNotFound = { status: 404, code: 'COLLECTION_NOT_FOUND' } as const;
const patNotFound = { status: 404, code: 'PAT_NOT_FOUND' } as const;
const catNotFound = { status: 404, code: 'CAT_NOT_FOUND' } as const;

const routes: Route[] = [
  {
    name: 'GET /collections/{default}',
    request: (t) => ({ method: 'GET', path: `/api/v1/collections/${t.defaultCollectionId}` }),
    hidden: collectionNotFound,
    ownerStatus: 200,
  },
  {
    name: 'GET /collections/{second}',
    request: (t) => ({ method: 'GET', path: `/api/v1/collections/${t.secondCollectionId}` }),
    hidden: collectionNotFound,
    ownerStatus: 200,
  },
  {
    name: 'PATCH /collections/{second}',
    request: (t) => ({
      method: 'PATCH',
      path: `/api/v1/collections/${t.secondCollectionId}`,
      body: { name: 'pwned' },
    }),
    hidden: collectionNotFound,
    ownerStatus: 200,
  },
  {
    name: 'DELETE /collections/{second} (no CATs: the owner could delete it)',
    request: (t) => ({ method: 'DELETE', path: `/api/v1/collections/${t.secondCollectionId}` }),
    hidden: collectionNotFound,
    ownerStatus: 200,
  },
  {
    name: 'DELETE /collections/{default} (has CATs: the owner would get 400, a stranger must not)',
    request: (t) => ({ method: 'DELETE', path: `/api/v1/collections/${t.defaultCollectionId}` }),
    hidden: collectionNotFound,
    ownerStatus: 400,
  },
  {
    name: 'POST /auth/cat on the collection',
    request: (t) => ({
      method: 'POST',
      path: '/api/v1/auth/cat',
      body: { label: 'intruder', collection_id: t.secondCollectionId, permission: 'read_write' },
    }),
    hidden: collectionNotFound,
    ownerStatus: 201,
  },
  {
    name: 'GET /auth/cat?collection_id=',
    request: (t) => ({ method: 'GET', path: `/api/v1/auth/cat?collection_id=${t.defaultCollectionId}` }),
    hidden: collectionNotFound,
    ownerStatus: 200,
  },
  {
    name: 'POST /auth/pat/{id}/rotate',
    request: (t) => ({ method: 'POST', path: `/api/v1/auth/pat/${t.patId}/rotate`, body: {} }),
    hidden: patNotFound,
    ownerStatus: 200,
  },
  {
    name: 'POST /auth/pat/{id}/rotate with a new label',
    request: (t) => ({
      method: 'POST',
      path: `/api/v1/auth/pat/${t.patId}/rotate`,
      body: { label: 'stolen', expires_in_days: 1 },
    }),
    hidden: patNotFound,
    ownerStatus: 200,
  },
  {
    name: 'DELETE /auth/pat/{id}',
    request: (t) => ({ method: 'DELETE', path: `/api/v1/auth/pat/${t.patId}` }),
    hidden: patNotFound,
    ownerStatus: 200,
  },
  {
    name: 'POST /auth/pat/{id}/delete',
    request: (t) => ({ method: 'POST', path: `/api/v1/auth/pat/${t.patId}/delete` }),
    hidden: patNotFound,
    ownerStatus: 200,
  },
  {
    name: 'POST /auth/cat/{read}/rotate',
    request: (t) => ({ method: 'POST', path: `/api/v1/auth/cat/${t.readCatId}/rotate`, body: {} }),
    hidden: catNotFound,
    ownerStatus: 200,
  },
  {
    name: 'POST /auth/cat/{read_write}/rotate',
    request: (t) => ({
      method: 'POST',
      path: `/api/v1/auth/cat/${t.readWriteCatId}/rotate`,
      body: { label: 'x' },
    }),
    hidden: catNotFound,
    ownerStatus: 200,
  },
  {
    name: 'DELETE /auth/cat/{read}',
    request: (t) => ({ method: 'DELETE', path: `/api/v1/auth/cat/${t.readCatId}` }),
    hidden: catNotFound,
    ownerStatus: 200,
  },
  {
    name: 'POST /auth/cat/{read_write}/delete',
    request: (t) => ({ method: 'POST', path: `/api/v1/auth/cat/${t.readWriteCatId}/delete` }),
    hidden: catNotFound,
    ownerStatus: 200,
  },
];

function send(token: string, request: { method: string; path: string; body?: unknown }) {
  return api.request(request.method, request.path, { token, body: request.body });
}

function summary(response: { status: number; body: { detail?: { code?: string } } }) {
  return { status: response.status, code: response.body?.detail?.code };
}

const withoutLastUsed = <T extends { last_used?: unknown }>(items: T[]) =>
  items.map(({ last_used: _ignored, ...rest }) => rest);

/** Everything B owns, as B sees it. */
async function snapshot(tenant: Tenant) {
  const token = tenant.user.accessToken;
  const [collections, pats, cats] = await Promise.all([
    api.get('/api/v1/collections', token),
    api.get('/api/v1/auth/pat', token),
    api.get('/api/v1/auth/cat', token),
  ]);
  expect([collections.status, pats.status, cats.status]).toEqual([200, 200, 200]);
  return {
    collections: collections.body,
    pats: withoutLastUsed(pats.body.tokens),
    cats: withoutLastUsed(cats.body.tokens),
  };
}

/** B's data is as it was and every one of B's credentials still works with its old secret. */
async function expectUnchanged(tenant: Tenant, before: Awaited<ReturnType<typeof snapshot>>) {
  expect(await snapshot(tenant)).toEqual(before);
  expect((await api.get('/api/v1/auth/profile', tenant.pat.token)).status).toBe(200);
  for (const cat of [tenant.readCat, tenant.readWriteCat]) {
    // 403 is a known credential on a route it may not use; a revoked or rotated secret would get 401.
    expect(summary(await api.get('/api/v1/collections', cat.token))).toEqual({
      status: 403,
      code: 'INSUFFICIENT_SCOPE',
    });
  }
}

describe("A's credentials on B's resources", () => {
  it.each(routes.map((route) => [route.name, route] as const))('%s', async (_name, route) => {
    const [a, b] = await Promise.all([createTenant('tenantA'), createTenant('tenantB')]);
    const before = await snapshot(b);
    const request = route.request(targetOf(b));

    for (const [label, token, kind] of credentials(a)) {
      const response = await send(token, request);
      if (kind === 'cat') {
        expect(summary(response), `${label}: ${JSON.stringify(response.body)}`).toEqual({
          status: 403,
          code: 'INSUFFICIENT_SCOPE',
        });
      } else if (route.hidden.status === 404) {
        expect(summary(response), `${label}: ${JSON.stringify(response.body)}`).toEqual(route.hidden);
      } else {
        expect({ status: response.status, body: response.body }, label).toEqual(route.hidden);
      }
      // Indistinguishable from an id that names nothing.
      const unknown = await send(token, route.request(nowhere()));
      expect({ status: unknown.status, body: unknown.body }, `${label} vs unknown id`).toEqual({
        status: response.status,
        body: response.body,
      });
    }
    await expectUnchanged(b, before);

    // The same request is well-formed: B gets what an owner gets.
    const owner = await send(b.user.accessToken, request);
    expect(owner.status, JSON.stringify(owner.body)).toBe(route.ownerStatus);
  });
});

describe('lists', () => {
  it("never include another tenant's collections or tokens", async () => {
    const [a, b] = await Promise.all([createTenant('tenantA'), createTenant('tenantB')]);
    for (const [label, token, kind] of credentials(a)) {
      const [collections, pats, cats] = await Promise.all([
        api.get('/api/v1/collections?limit=100', token),
        api.get('/api/v1/auth/pat', token),
        api.get('/api/v1/auth/cat', token),
      ]);
      if (kind === 'cat') {
        for (const response of [collections, pats, cats]) {
          expect(summary(response), label).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });
        }
        continue;
      }
      expect(collections.body.total, label).toBe(2);
      expect(
        collections.body.collections.map((c: { collection_id: string }) => c.collection_id).sort(),
      ).toEqual([a.user.defaultCollectionId, a.secondCollectionId].sort());
      expect(pats.body.tokens.map((t: { pat_id: string }) => t.pat_id)).toEqual([a.pat.id]);
      expect(cats.body.tokens.map((t: { cat_id: string }) => t.cat_id).sort()).toEqual(
        [a.readCat.id, a.readWriteCat.id].sort(),
      );
      const text = JSON.stringify([collections.body, pats.body, cats.body]);
      for (const id of Object.values(targetOf(b))) expect(text, label).not.toContain(id);
    }
  });

  it("keep each tenant's names apart: the same collection name in two tenants", async () => {
    const [a, b] = await Promise.all([createTenant('tenantA'), createTenant('tenantB')]);
    const created = await Promise.all(
      [a, b].map((t) => api.post('/api/v1/collections', { name: 'shared name' }, t.user.accessToken)),
    );
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    const renamedA = await api.patch(
      `/api/v1/collections/${created[0]?.body.collection_id}`,
      { name: 'Shared Name' },
      a.user.accessToken,
    );
    expect(renamedA.status).toBe(200);
    const bView = await api.get(`/api/v1/collections/${created[1]?.body.collection_id}`, b.user.accessToken);
    expect(bView.body.name).toBe('shared name');
  });
});

describe('a superuser on the ordinary routes', () => {
  it("gets 404 for another tenant's resources like anyone else", async () => {
    const [a, b] = await Promise.all([createTenant('tenantA'), createTenant('tenantB')]);
    const promoted = await promote(api, a.user.userId);
    expect(promoted.is_superuser).toBe(true);
    // The promotion is live for both user credentials: the admin API answers.
    for (const token of [a.user.accessToken, a.pat.token]) {
      expect((await api.get(`/api/v1/admin/users/${b.user.userId}`, token)).status).toBe(200);
    }
    const before = await snapshot(b);
    for (const route of routes) {
      for (const [label, token, kind] of credentials(a)) {
        const response = await send(token, route.request(targetOf(b)));
        const context = `${route.name} with ${label}: ${JSON.stringify(response.body)}`;
        if (kind === 'cat') {
          expect(summary(response), context).toEqual({ status: 403, code: 'INSUFFICIENT_SCOPE' });
        } else if (route.hidden.status === 404) {
          expect(summary(response), context).toEqual(route.hidden);
        } else {
          expect({ status: response.status, body: response.body }, context).toEqual(route.hidden);
        }
      }
    }
    await expectUnchanged(b, before);
    // And its own lists stay its own.
    const collections = await api.get('/api/v1/collections', a.user.accessToken);
    expect(collections.body.total).toBe(2);
    const cats = await api.get('/api/v1/auth/cat', a.user.accessToken);
    expect(cats.body.tokens).toHaveLength(2);
  });
});

describe("a CAT's reach", () => {
  it('cannot manage even its own collection or its own token', async () => {
    const a = await createTenant('tenantA');
    const before = await snapshot(a);
    const own = targetOf(a);
    for (const cat of [a.readCat, a.readWriteCat]) {
      for (const route of routes) {
        expect(summary(await send(cat.token, route.request(own))), `${route.name}`).toEqual({
          status: 403,
          code: 'INSUFFICIENT_SCOPE',
        });
      }
      for (const request of [
        { method: 'POST', path: '/api/v1/collections', body: { name: 'from a cat' } },
        { method: 'POST', path: '/api/v1/auth/pat', body: { label: 'from a cat' } },
        { method: 'GET', path: '/api/v1/auth/profile' },
      ]) {
        expect(summary(await send(cat.token, request)), request.path).toEqual({
          status: 403,
          code: 'INSUFFICIENT_SCOPE',
        });
      }
    }
    await expectUnchanged(a, before);
  });
});
