import { randomBytes, randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectionAccessTokens,
  collections,
  documents,
  personalAccessTokens,
  usageRecords,
  users,
} from '../src/db/schema.js';
import { ApiClient, createUser, expectError, promote, type TestUser } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let api: ApiClient;
/** Made superuser once through the admin key; fresh admins per test are made by it (promote is rate limited). */
let root: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
  root = await createUser(api, 'root');
  await promote(api, root.userId);
});
afterAll(() => server?.close());

const ADMIN = '/api/v1/admin';
const PASSWORD = 'correct horse battery';
const USER_FIELDS = ['created_at', 'email', 'is_active', 'is_superuser', 'updated_at', 'user_id', 'username'];

interface UserBody {
  user_id: string;
  username: string;
  email: string;
  is_active: boolean;
  is_superuser: boolean;
  created_at: string;
  updated_at: string;
}
interface UserPage {
  users: UserBody[];
  total: number;
  limit: number;
  offset: number;
}

const unique = () => randomBytes(4).toString('hex');

interface Account {
  userId: string;
  username: string;
  email: string;
  token: string;
}

/** Registers and logs in without any other call, so nothing is counted in the user's usage. */
async function register(username: string, email = `${username}@example.com`): Promise<Account> {
  const registered = await api.post('/api/v1/auth/register', { username, email, password: PASSWORD });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const login = await api.post('/api/v1/auth/login', { username, password: PASSWORD });
  expect(login.status).toBe(200);
  return { userId: registered.body.user_id, username, email, token: login.body.access_token };
}

/** A fresh superuser, made by the root admin. */
async function newAdmin(): Promise<TestUser> {
  const admin = await createUser(api, 'admin');
  const response = await api.patch(
    `${ADMIN}/users/${admin.userId}`,
    { is_superuser: true },
    root.accessToken,
  );
  expect(response.status).toBe(200);
  return admin;
}

async function createPat(token: string, scopes?: ('read' | 'write')[]) {
  const response = await api.post('/api/v1/auth/pat', { label: 'pat', ...(scopes ? { scopes } : {}) }, token);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { pat_id: string; token: string };
}

async function createCat(token: string, collectionId: string) {
  const response = await api.post('/api/v1/auth/cat', { label: 'cat', collection_id: collectionId }, token);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { cat_id: string; token: string };
}

const login = (username: string, password = PASSWORD) =>
  api.post('/api/v1/auth/login', { username, password });

/** `YYYY-MM` (UTC) `back` months before now. */
function monthKey(back: number): string {
  const now = new Date();
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Every admin route with a valid request, for the permission matrix. */
function adminRequests(userId: string) {
  return [
    ['GET', `${ADMIN}/users`, undefined],
    ['GET', `${ADMIN}/users/search?query=a`, undefined],
    ['GET', `${ADMIN}/users/${userId}`, undefined],
    ['PATCH', `${ADMIN}/users/${userId}`, { is_superuser: true }],
    ['DELETE', `${ADMIN}/users/${userId}`, undefined],
    ['GET', `${ADMIN}/usage/${userId}`, undefined],
    ['GET', `${ADMIN}/usage/${userId}/history`, undefined],
  ] as const;
}

describe('who may call the admin API', () => {
  it('refuses a non-superuser with 403 FORBIDDEN on every admin route, by JWT and by PAT', async () => {
    const user = await createUser(api);
    const victim = await createUser(api);
    const pat = await createPat(user.accessToken);
    for (const token of [user.accessToken, pat.token]) {
      for (const [method, path, body] of adminRequests(victim.userId)) {
        expectError(await api.request(method, path, { token, body }), 403, 'FORBIDDEN');
      }
      // Unknown targets too: no existence oracle.
      for (const [method, path, body] of adminRequests(randomUUID())) {
        expectError(await api.request(method, path, { token, body }), 403, 'FORBIDDEN');
      }
    }
    expect((await api.get('/api/v1/auth/profile', victim.accessToken)).body.is_superuser).toBe(false);
    expect((await login(victim.username)).status).toBe(200);
  });

  it("refuses CATs with 403 INSUFFICIENT_SCOPE, even a superuser's", async () => {
    const admin = await newAdmin();
    const victim = await createUser(api);
    const cats = [
      await createCat(admin.accessToken, admin.defaultCollectionId),
      await createCat(victim.accessToken, victim.defaultCollectionId),
    ];
    for (const cat of cats) {
      for (const [method, path, body] of adminRequests(victim.userId)) {
        expectError(await api.request(method, path, { token: cat.token, body }), 403, 'INSUFFICIENT_SCOPE');
      }
    }
    expect((await login(victim.username)).status).toBe(200);
  });

  it('answers 401 without credentials and with the admin key as a bearer token', async () => {
    const user = await createUser(api);
    for (const [method, path, body] of adminRequests(user.userId)) {
      expectError(await api.request(method, path, { body }), 401, 'UNAUTHORIZED');
      expectError(await api.request(method, path, { token: 'test-admin-key', body }), 401, 'INVALID_TOKEN');
    }
    for (const path of [
      '/api/v1/collections',
      '/api/v1/auth/profile',
      '/api/v1/auth/pat',
      '/api/v1/auth/cat',
    ]) {
      expectError(await api.get(path, 'test-admin-key'), 401, 'INVALID_TOKEN');
    }
    expectError(await api.post('/api/v1/collections', { name: 'x' }, 'test-admin-key'), 401, 'INVALID_TOKEN');
  });

  it("lets a superuser's PAT use the admin API, but a read-only one only read", async () => {
    const admin = await newAdmin();
    const target = await createUser(api);
    const full = await createPat(admin.accessToken);
    const readOnly = await createPat(admin.accessToken, ['read']);
    expect((await api.get(`${ADMIN}/users/${target.userId}`, readOnly.token)).status).toBe(200);
    expect((await api.get(`${ADMIN}/users?limit=1`, readOnly.token)).status).toBe(200);
    expect((await api.get(`${ADMIN}/usage/${target.userId}`, readOnly.token)).status).toBe(200);
    expectError(
      await api.patch(`${ADMIN}/users/${target.userId}`, { is_active: false }, readOnly.token),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expectError(
      await api.delete(`${ADMIN}/users/${target.userId}`, readOnly.token),
      403,
      'INSUFFICIENT_SCOPE',
    );
    expect((await api.get(`${ADMIN}/users/${target.userId}`, full.token)).body.is_active).toBe(true);

    const changed = await api.patch(`${ADMIN}/users/${target.userId}`, { is_active: false }, full.token);
    expect(changed.status).toBe(200);
    expect(changed.body.is_active).toBe(false);
  });

  it('follows the live superuser flag: a demoted admin is refused at once', async () => {
    const admin = await newAdmin();
    expect((await api.get(`${ADMIN}/users?limit=1`, admin.accessToken)).status).toBe(200);
    const demoted = await api.patch(
      `${ADMIN}/users/${admin.userId}`,
      { is_superuser: false },
      root.accessToken,
    );
    expect(demoted.status).toBe(200);
    expect(demoted.body.is_superuser).toBe(false);
    expectError(await api.get(`${ADMIN}/users?limit=1`, admin.accessToken), 403, 'FORBIDDEN');
    // Promotion takes effect on the same token, too.
    await api.patch(`${ADMIN}/users/${admin.userId}`, { is_superuser: true }, root.accessToken);
    expect((await api.get(`${ADMIN}/users?limit=1`, admin.accessToken)).status).toBe(200);
  });
});

describe('GET /admin/users', () => {
  it('lists every user oldest first with a stable order across pages and the full total', async () => {
    const admin = await newAdmin();
    const mine = [await createUser(api), await createUser(api), await createUser(api)];
    const [counted] = await server.handle.db.select({ total: count() }).from(users);
    const inDatabase = counted?.total ?? -1;

    const all = await api.get<UserPage>(`${ADMIN}/users?limit=100`, admin.accessToken);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: inDatabase, limit: 100, offset: 0 });
    expect(inDatabase).toBeLessThanOrEqual(100);
    expect(all.body.users).toHaveLength(inDatabase);
    expect(Object.keys(all.body.users[0] ?? {}).sort()).toEqual(USER_FIELDS);
    const times = all.body.users.map((u) => Date.parse(u.created_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(all.body.users[0]?.user_id).toBe(root.userId);
    expect(all.body.users.slice(-3).map((u) => u.user_id)).toEqual(mine.map((u) => u.userId));

    for (const size of [1, 2, 3]) {
      const paged: string[] = [];
      for (let offset = 0; offset < inDatabase; offset += size) {
        const page = await api.get<UserPage>(
          `${ADMIN}/users?limit=${size}&offset=${offset}`,
          admin.accessToken,
        );
        expect(page.body).toMatchObject({ total: inDatabase, limit: size, offset });
        expect(page.body.users.length).toBe(Math.min(size, inDatabase - offset));
        paged.push(...page.body.users.map((u) => u.user_id));
      }
      expect(paged).toEqual(all.body.users.map((u) => u.user_id));
    }
    const beyond = await api.get<UserPage>(`${ADMIN}/users?offset=${inDatabase}`, admin.accessToken);
    expect(beyond.body).toMatchObject({ users: [], total: inDatabase, limit: 50 });
  });

  it.each(['limit=0', 'limit=101', 'offset=-1', 'limit=x'])('rejects %s with 422', async (query) => {
    const admin = await newAdmin();
    expectError(await api.get(`${ADMIN}/users?${query}`, admin.accessToken), 422, 'VALIDATION_ERROR');
  });
});

describe('GET /admin/users/search', () => {
  it('matches a substring of username or email ignoring case, with the full total under a small page', async () => {
    const admin = await newAdmin();
    const tag = unique();
    const byName = await register(`Srch${tag}name`, `first${unique()}@example.com`);
    const byEmail = await register(`other${unique()}`, `SRCH${tag}mail@example.com`);
    await register(`unrelated${unique()}`);

    const search = (query: string, extra = '') =>
      api.get<UserPage>(
        `${ADMIN}/users/search?query=${encodeURIComponent(query)}${extra}`,
        admin.accessToken,
      );

    const both = await search(`srch${tag}`);
    expect(both.status).toBe(200);
    expect(both.body.total).toBe(2);
    expect(both.body.users.map((u) => u.user_id)).toEqual([byName.userId, byEmail.userId]);

    const first = await search(`sRcH${tag}`, '&limit=1');
    expect(first.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(first.body.users.map((u) => u.user_id)).toEqual([byName.userId]);
    const second = await search(`SRCH${tag}`, '&limit=1&offset=1');
    expect(second.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(second.body.users.map((u) => u.user_id)).toEqual([byEmail.userId]);

    expect((await search(`${tag}MAIL@EXAMPLE`)).body.users.map((u) => u.user_id)).toEqual([byEmail.userId]);
    expect((await search(`  srch${tag}name  `)).body.total).toBe(1);
    expect((await search(`nothing-${unique()}`)).body).toMatchObject({ users: [], total: 0 });
  });

  it('treats % and _ literally', async () => {
    const admin = await newAdmin();
    const tag = unique();
    // Names without "_" anywhere (email included); every other user in this file has one.
    const plainA = await register(`plain${tag}a`, `plain${tag}a@example.com`);
    const plainB = await register(`plain${tag}b`, `plain${tag}b@example.com`);
    const under = await register(`has_${tag}`, `plain${tag}c@example.com`);

    const everyone = await api.get<UserPage>(`${ADMIN}/users?limit=100`, admin.accessToken);
    expect(everyone.body.users).toHaveLength(everyone.body.total);
    const withUnderscore = everyone.body.users
      .filter((u) => u.username.includes('_') || u.email.includes('_'))
      .map((u) => u.user_id);
    expect(withUnderscore).toContain(under.userId);
    expect(withUnderscore.length).toBeLessThan(everyone.body.total);

    const underscore = await api.get<UserPage>(`${ADMIN}/users/search?query=_&limit=100`, admin.accessToken);
    expect(underscore.status).toBe(200);
    expect(underscore.body.total).toBe(withUnderscore.length);
    expect(underscore.body.users.map((u) => u.user_id)).toEqual(withUnderscore);
    expect(underscore.body.users.map((u) => u.user_id)).not.toContain(plainA.userId);

    // "plain<tag>_" would match plain<tag>a and plain<tag>b if "_" were a wildcard.
    const prefix = await api.get<UserPage>(
      `${ADMIN}/users/search?query=${encodeURIComponent(`plain${tag}_`)}`,
      admin.accessToken,
    );
    expect(prefix.body).toMatchObject({ users: [], total: 0 });

    for (const query of ['%', '%%', `plain${tag}%`, '\\', '\\%']) {
      const response = await api.get<UserPage>(
        `${ADMIN}/users/search?query=${encodeURIComponent(query)}`,
        admin.accessToken,
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ users: [], total: 0 });
    }
    const plain = await api.get<UserPage>(`${ADMIN}/users/search?query=plain${tag}`, admin.accessToken);
    expect(plain.body.users.map((u) => u.user_id)).toEqual([plainA.userId, plainB.userId, under.userId]);
  });

  it.each([
    ['missing', ''],
    ['empty', '?query='],
    ['blank', '?query=%20%20'],
    ['too long', `?query=${'a'.repeat(256)}`],
    ['with limit 0', '?query=a&limit=0'],
  ])('rejects a query that is %s with 422', async (_label, query) => {
    const admin = await newAdmin();
    expectError(await api.get(`${ADMIN}/users/search${query}`, admin.accessToken), 422, 'VALIDATION_ERROR');
  });
});

describe('GET /admin/users/{id}', () => {
  it('returns the user with counts of everything they own', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const second = await api.post('/api/v1/collections', { name: 'second' }, user.accessToken);
    await api.post('/api/v1/collections', { name: 'third' }, user.accessToken);
    const pats = [await createPat(user.accessToken), await createPat(user.accessToken)];
    const cats = [
      await createCat(user.accessToken, user.defaultCollectionId),
      await createCat(user.accessToken, user.defaultCollectionId),
      await createCat(user.accessToken, second.body.collection_id),
    ];
    const expired = new Date('2001-02-03T00:00:00Z');
    await server.handle.db
      .update(personalAccessTokens)
      .set({ expiresAt: expired })
      .where(eq(personalAccessTokens.id, pats[0]?.pat_id ?? ''));
    await server.handle.db
      .update(collectionAccessTokens)
      .set({ expiresAt: expired })
      .where(eq(collectionAccessTokens.id, cats[2]?.cat_id ?? ''));
    await server.handle.db.insert(documents).values({
      collectionId: user.defaultCollectionId,
      title: 'seeded',
      content: 'seeded content',
      contentHash: 'seeded-hash',
    });
    // Another user's things are not counted.
    const other = await createUser(api);
    await createPat(other.accessToken);
    await createCat(other.accessToken, other.defaultCollectionId);

    const response = await api.get(`${ADMIN}/users/${user.userId}`, admin.accessToken);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(
      [
        ...USER_FIELDS,
        'cat_active_count',
        'cat_inactive_count',
        'collection_count',
        'document_count',
        'pat_active_count',
        'pat_inactive_count',
      ].sort(),
    );
    expect(response.body).toEqual({
      user_id: user.userId,
      username: user.username,
      email: user.email,
      is_active: true,
      is_superuser: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      collection_count: 3,
      document_count: 1,
      pat_active_count: 1,
      pat_inactive_count: 1,
      cat_active_count: 2,
      cat_inactive_count: 1,
    });
    // The expired PAT is really dead, the other alive.
    expectError(await api.get('/api/v1/auth/profile', pats[0]?.token), 401, 'INVALID_TOKEN');
    expect((await api.get('/api/v1/auth/profile', pats[1]?.token)).status).toBe(200);
  });

  it('counts zeros for a user who owns nothing', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    await api.delete(`/api/v1/collections/${user.defaultCollectionId}`, user.accessToken);
    const response = await api.get(`${ADMIN}/users/${user.userId}`, admin.accessToken);
    expect(response.body).toMatchObject({
      collection_count: 0,
      document_count: 0,
      pat_active_count: 0,
      pat_inactive_count: 0,
      cat_active_count: 0,
      cat_inactive_count: 0,
    });
  });

  it.each([randomUUID(), 'garbage', '42'])('answers 404 USER_NOT_FOUND for %j', async (id) => {
    const admin = await newAdmin();
    expectError(await api.get(`${ADMIN}/users/${id}`, admin.accessToken), 404, 'USER_NOT_FOUND');
  });
});

describe('PATCH /admin/users/{id}', () => {
  it('changes only the given fields', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const before = (await api.get(`${ADMIN}/users/${user.userId}`, admin.accessToken)).body as UserBody;

    const newEmail = `new${unique()}@example.com`;
    const emailOnly = await api.patch(
      `${ADMIN}/users/${user.userId}`,
      { email: newEmail },
      admin.accessToken,
    );
    expect(emailOnly.status).toBe(200);
    expect(Object.keys(emailOnly.body).sort()).toEqual(USER_FIELDS);
    expect(emailOnly.body).toMatchObject({
      user_id: user.userId,
      username: user.username,
      email: newEmail,
      is_active: true,
      is_superuser: false,
      created_at: before.created_at,
    });
    expect(Date.parse(emailOnly.body.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));

    const newName = `renamed${unique()}`;
    const nameOnly = await api.patch(
      `${ADMIN}/users/${user.userId}`,
      { username: newName },
      admin.accessToken,
    );
    expect(nameOnly.body).toMatchObject({ username: newName, email: newEmail, is_active: true });

    const nothing = await api.patch(`${ADMIN}/users/${user.userId}`, {}, admin.accessToken);
    expect(nothing.status).toBe(200);
    expect(nothing.body).toMatchObject({
      username: newName,
      email: newEmail,
      is_active: true,
      is_superuser: false,
    });

    // The user can log in with the new name and the new email; the old name is gone.
    expect((await login(newName)).status).toBe(200);
    expect((await login(newEmail)).status).toBe(200);
    expectError(await login(user.username), 401, 'INVALID_CREDENTIALS');
    // Changing name or email does not end sessions.
    expect((await api.get('/api/v1/auth/profile', user.accessToken)).body.username).toBe(newName);
  });

  it('sets a new password: the old one fails, the new one works, old sessions end', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const response = await api.patch(
      `${ADMIN}/users/${user.userId}`,
      { password: 'a brand new password' },
      admin.accessToken,
    );
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toContain('password');
    expectError(await login(user.username), 401, 'INVALID_CREDENTIALS');
    expect((await login(user.username, 'a brand new password')).status).toBe(200);
    expectError(await api.get('/api/v1/auth/profile', user.accessToken), 401, 'INVALID_TOKEN');
    const refresh = await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
    expectError(refresh, 401, 'INVALID_REFRESH_TOKEN');
  });

  it('deactivates (every credential stops) and reactivates a user', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const pat = await createPat(user.accessToken);
    const cat = await createCat(user.accessToken, user.defaultCollectionId);

    const off = await api.patch(`${ADMIN}/users/${user.userId}`, { is_active: false }, admin.accessToken);
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    expectError(await api.get('/api/v1/collections', user.accessToken), 401, 'INVALID_TOKEN');
    expectError(await api.get('/api/v1/collections', pat.token), 401, 'INVALID_TOKEN');
    expectError(await api.get('/api/v1/collections', cat.token), 401, 'INVALID_TOKEN');
    expectError(await login(user.username), 403, 'ACCOUNT_DISABLED');
    expectError(
      await api.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken }),
      401,
      'INVALID_REFRESH_TOKEN',
    );

    const on = await api.patch(`${ADMIN}/users/${user.userId}`, { is_active: true }, admin.accessToken);
    expect(on.body.is_active).toBe(true);
    expect((await login(user.username)).status).toBe(200);
    expect((await api.get('/api/v1/collections', pat.token)).status).toBe(200);
    expectError(await api.get('/api/v1/collections', cat.token), 403, 'INSUFFICIENT_SCOPE');
    // The sessions ended by the deactivation stay ended.
    expectError(await api.get('/api/v1/collections', user.accessToken), 401, 'INVALID_TOKEN');
  });

  it('promotes and demotes another user', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const up = await api.patch(`${ADMIN}/users/${user.userId}`, { is_superuser: true }, admin.accessToken);
    expect(up.body.is_superuser).toBe(true);
    expect((await api.get(`${ADMIN}/users?limit=1`, user.accessToken)).status).toBe(200);
    const down = await api.patch(`${ADMIN}/users/${user.userId}`, { is_superuser: false }, admin.accessToken);
    expect(down.body.is_superuser).toBe(false);
    expectError(await api.get(`${ADMIN}/users?limit=1`, user.accessToken), 403, 'FORBIDDEN');
  });

  it('refuses names and emails already taken (ignoring case) with 400, but allows re-casing your own', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const other = await createUser(api);
    const path = `${ADMIN}/users/${user.userId}`;
    expectError(
      await api.patch(path, { username: other.username }, admin.accessToken),
      400,
      'USERNAME_EXISTS',
    );
    expectError(
      await api.patch(path, { username: other.username.toUpperCase() }, admin.accessToken),
      400,
      'USERNAME_EXISTS',
    );
    expectError(
      await api.patch(path, { email: other.email.toUpperCase() }, admin.accessToken),
      400,
      'EMAIL_EXISTS',
    );
    expectError(
      await api.patch(path, { username: `free${unique()}`, email: other.email }, admin.accessToken),
      400,
      'EMAIL_EXISTS',
    );
    const unchanged = await api.get(path, admin.accessToken);
    expect(unchanged.body).toMatchObject({ username: user.username, email: user.email });

    const recased = await api.patch(path, { username: user.username.toUpperCase() }, admin.accessToken);
    expect(recased.status).toBe(200);
    expect(recased.body.username).toBe(user.username.toUpperCase());
  });

  it.each([
    ['an unknown field', { is_admin: true }],
    ['a read-only field', { user_id: randomUUID() }],
    ['created_at', { created_at: '2000-01-01T00:00:00Z' }],
    ['a bad email', { email: 'not-an-email' }],
    ['a short password', { password: 'short' }],
    ['a username with spaces', { username: 'two words' }],
    ['a non-boolean flag', { is_active: 'no' }],
    ['null', null],
  ])('rejects %s with 422', async (_label, body) => {
    const admin = await newAdmin();
    const user = await createUser(api);
    expectError(
      await api.patch(`${ADMIN}/users/${user.userId}`, body, admin.accessToken),
      422,
      'VALIDATION_ERROR',
    );
    expect((await api.get(`${ADMIN}/users/${user.userId}`, admin.accessToken)).body).toMatchObject({
      username: user.username,
      email: user.email,
      is_active: true,
      is_superuser: false,
    });
  });

  it('does not let an admin deactivate or demote themself (400 CANNOT_MODIFY_SELF)', async () => {
    const admin = await newAdmin();
    const path = `${ADMIN}/users/${admin.userId}`;
    expectError(await api.patch(path, { is_active: false }, admin.accessToken), 400, 'CANNOT_MODIFY_SELF');
    expectError(await api.patch(path, { is_superuser: false }, admin.accessToken), 400, 'CANNOT_MODIFY_SELF');
    expectError(
      await api.patch(path, { is_superuser: false, email: `x${unique()}@example.com` }, admin.accessToken),
      400,
      'CANNOT_MODIFY_SELF',
    );
    const self = await api.get(path, admin.accessToken);
    expect(self.body).toMatchObject({ is_active: true, is_superuser: true, email: admin.email });
    // Harmless changes to oneself are fine.
    const email = `me${unique()}@example.com`;
    const fine = await api.patch(path, { email, is_active: true, is_superuser: true }, admin.accessToken);
    expect(fine.status).toBe(200);
    expect(fine.body.email).toBe(email);
  });

  it.each([randomUUID(), 'garbage'])('answers 404 USER_NOT_FOUND for %j', async (id) => {
    const admin = await newAdmin();
    expectError(
      await api.patch(`${ADMIN}/users/${id}`, { is_active: false }, admin.accessToken),
      404,
      'USER_NOT_FOUND',
    );
  });
});

describe('DELETE /admin/users/{id}', () => {
  it('deletes the user and everything they own; their credentials stop', async () => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const pat = await createPat(user.accessToken);
    const cat = await createCat(user.accessToken, user.defaultCollectionId);
    const extra = await api.post('/api/v1/collections', { name: 'extra' }, user.accessToken);
    expect(extra.status).toBe(201);
    const neighbour = await createUser(api);
    await server.handle.db.insert(documents).values({
      collectionId: extra.body.collection_id,
      title: 'owned',
      content: 'owned content',
      contentHash: 'owned-hash',
    });
    const db = server.handle.db;
    await server.ctx.usage.flush();
    expect(await db.select().from(usageRecords).where(eq(usageRecords.userId, user.userId))).toHaveLength(1);

    const response = await api.delete(`${ADMIN}/users/${user.userId}`, admin.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: expect.any(String) });

    expectError(await api.get('/api/v1/collections', user.accessToken), 401, 'INVALID_TOKEN');
    expectError(await api.get('/api/v1/collections', pat.token), 401, 'INVALID_TOKEN');
    expectError(await api.get('/api/v1/collections', cat.token), 401, 'INVALID_TOKEN');
    expectError(await login(user.username), 401, 'INVALID_CREDENTIALS');
    expectError(await api.get(`${ADMIN}/users/${user.userId}`, admin.accessToken), 404, 'USER_NOT_FOUND');
    expectError(await api.get(`${ADMIN}/usage/${user.userId}`, admin.accessToken), 404, 'USER_NOT_FOUND');

    expect(await db.select().from(collections).where(eq(collections.userId, user.userId))).toEqual([]);
    expect(
      await db.select().from(documents).where(eq(documents.collectionId, extra.body.collection_id)),
    ).toEqual([]);
    expect(await db.select().from(usageRecords).where(eq(usageRecords.userId, user.userId))).toEqual([]);
    expect(await db.select().from(collections).where(eq(collections.id, extra.body.collection_id))).toEqual(
      [],
    );
    expect(
      await db.select().from(personalAccessTokens).where(eq(personalAccessTokens.userId, user.userId)),
    ).toEqual([]);
    expect(
      await db
        .select()
        .from(collectionAccessTokens)
        .where(eq(collectionAccessTokens.collectionId, user.defaultCollectionId)),
    ).toEqual([]);
    // Nobody else lost anything.
    expect((await api.get('/api/v1/collections', neighbour.accessToken)).body.total).toBe(1);

    // The username and email are free again.
    const again = await api.post('/api/v1/auth/register', {
      username: user.username,
      email: user.email,
      password: PASSWORD,
    });
    expect(again.status).toBe(201);
    expect(again.body.user_id).not.toBe(user.userId);
    expectError(await api.delete(`${ADMIN}/users/${user.userId}`, admin.accessToken), 404, 'USER_NOT_FOUND');
  });

  it('does not let an admin delete themself (400 CANNOT_DELETE_SELF)', async () => {
    const admin = await newAdmin();
    expectError(
      await api.delete(`${ADMIN}/users/${admin.userId}`, admin.accessToken),
      400,
      'CANNOT_DELETE_SELF',
    );
    expect((await api.get('/api/v1/auth/profile', admin.accessToken)).status).toBe(200);
  });

  it.each([randomUUID(), 'garbage', '0'])('answers 404 USER_NOT_FOUND for %j', async (id) => {
    const admin = await newAdmin();
    expectError(await api.delete(`${ADMIN}/users/${id}`, admin.accessToken), 404, 'USER_NOT_FOUND');
  });
});

describe('POST /admin/users/{id}/promote', () => {
  const promoteWith = (userId: string, headers: Record<string, string>) =>
    api.request('POST', `${ADMIN}/users/${userId}/promote`, { headers });

  it('promotes with the right key (and again, idempotently)', async () => {
    const user = await createUser(api);
    const response = await promoteWith(user.userId, { 'x-admin-api-key': 'test-admin-key' });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(USER_FIELDS);
    expect(response.body).toMatchObject({
      user_id: user.userId,
      username: user.username,
      is_superuser: true,
    });
    expect((await api.get(`${ADMIN}/users?limit=1`, user.accessToken)).status).toBe(200);
    const again = await promoteWith(user.userId, { 'x-admin-api-key': 'test-admin-key' });
    expect(again.status).toBe(200);
    expect(again.body.is_superuser).toBe(true);
  });

  it('refuses a wrong or missing key with 401 INVALID_ADMIN_API_KEY, and the key as a bearer token', async () => {
    const user = await createUser(api);
    const attempts: Record<string, string>[] = [
      { 'x-admin-api-key': 'wrong-key' },
      { 'x-admin-api-key': 'TEST-ADMIN-KEY' },
      {},
      { authorization: 'Bearer test-admin-key' },
    ];
    for (const headers of attempts) {
      expectError(await promoteWith(user.userId, headers), 401, 'INVALID_ADMIN_API_KEY');
    }
    expect((await api.get('/api/v1/auth/profile', user.accessToken)).body.is_superuser).toBe(false);
  });

  it.each([randomUUID(), 'garbage'])('answers 404 USER_NOT_FOUND for %j', async (id) => {
    expectError(await promoteWith(id, { 'x-admin-api-key': 'test-admin-key' }), 404, 'USER_NOT_FOUND');
  });

  describe('on a server without ADMIN_API_KEY', () => {
    let bare: TestServer;
    let bareApi: ApiClient;
    beforeAll(async () => {
      // Promote shares the per-IP limit of the other credential-guessing routes (RATE_LIMIT_AUTH_PER_MINUTE).
      bare = await startTestServer({ ADMIN_API_KEY: '', RATE_LIMIT_AUTH_PER_MINUTE: '10' });
      bareApi = new ApiClient(bare.url);
    });
    afterAll(() => bare?.close());

    it('answers 503 ADMIN_API_KEY_NOT_CONFIGURED whatever key is sent, and limits attempts', async () => {
      const user = await createUser(bareApi);
      const attempts: Record<string, string>[] = [
        { 'x-admin-api-key': 'test-admin-key' },
        { 'x-admin-api-key': '' },
        {},
      ];
      for (const headers of attempts) {
        const response = await bareApi.request('POST', `${ADMIN}/users/${user.userId}/promote`, { headers });
        expectError(response, 503, 'ADMIN_API_KEY_NOT_CONFIGURED');
      }
      expect((await bareApi.get('/api/v1/auth/profile', user.accessToken)).body.is_superuser).toBe(false);
      // Guessing is rate limited per client (10 a minute here).
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        statuses.push((await bareApi.request('POST', `${ADMIN}/users/${user.userId}/promote`, {})).status);
      }
      expect(statuses).toEqual([503, 503, 503, 503, 503, 503, 503, 429]);
    });
  });
});

describe('usage', () => {
  it('counts successful collection calls only, per user and month', async () => {
    const admin = await newAdmin();
    const user = await register(`usage${unique()}`);
    const token = user.token;
    const missing = `/api/v1/collections/${randomUUID()}`;

    const before = await api.get(`${ADMIN}/usage/${user.userId}`, admin.accessToken);
    expect(before.body).toEqual({
      year_month: monthKey(0),
      api_requests: 0,
      mcp_requests: 0,
      total_requests: 0,
    });

    // Three successful counted calls.
    const list = await api.get('/api/v1/collections', token);
    expect(list.status).toBe(200);
    const created = await api.post('/api/v1/collections', { name: 'counted' }, token);
    expect(created.status).toBe(201);
    expect(
      (await api.patch(`/api/v1/collections/${created.body.collection_id}`, { name: 'c2' }, token)).status,
    ).toBe(200);
    // Failures are not counted: two 404s, a 409, a 422, and a CAT's 403.
    expectError(await api.get(missing, token), 404, 'COLLECTION_NOT_FOUND');
    expectError(await api.delete(missing, token), 404, 'COLLECTION_NOT_FOUND');
    expectError(await api.post('/api/v1/collections', { name: 'C2' }, token), 409, 'COLLECTION_NAME_EXISTS');
    expectError(await api.post('/api/v1/collections', { name: '' }, token), 422, 'VALIDATION_ERROR');
    const cat = await createCat(token, created.body.collection_id);
    expectError(await api.get('/api/v1/collections', cat.token), 403, 'INSUFFICIENT_SCOPE');
    // Token management is not a counted route.
    expect((await api.get('/api/v1/auth/cat', token)).status).toBe(200);

    const usage = await api.get(`${ADMIN}/usage/${user.userId}`, admin.accessToken);
    expect(usage.status).toBe(200);
    expect(usage.body).toEqual({
      year_month: monthKey(0),
      api_requests: 3,
      mcp_requests: 0,
      total_requests: 3,
    });
    // Reading usage as admin counts nothing, for the admin or the user.
    const again = await api.get(`${ADMIN}/usage/${user.userId}?year_month=${monthKey(0)}`, admin.accessToken);
    expect(again.body.api_requests).toBe(3);
  });

  it('sums API and MCP per month and returns exactly the requested months, newest first', async () => {
    const admin = await newAdmin();
    const user = await register(`hist${unique()}`);
    const other = await register(`hist${unique()}`);
    for (let i = 0; i < 3; i++) expect((await api.get('/api/v1/collections', user.token)).status).toBe(200);
    await server.handle.db.insert(usageRecords).values([
      { userId: user.userId, yearMonth: monthKey(0), source: 'mcp', requestCount: 5 },
      { userId: user.userId, yearMonth: monthKey(2), source: 'mcp', requestCount: 7 },
      { userId: user.userId, yearMonth: monthKey(2), source: 'api', requestCount: 4 },
      { userId: user.userId, yearMonth: monthKey(5), source: 'api', requestCount: 1 },
      { userId: user.userId, yearMonth: monthKey(7), source: 'api', requestCount: 100 },
      { userId: other.userId, yearMonth: monthKey(0), source: 'mcp', requestCount: 1000 },
    ]);

    const month = await api.get(`${ADMIN}/usage/${user.userId}`, admin.accessToken);
    expect(month.body).toEqual({
      year_month: monthKey(0),
      api_requests: 3,
      mcp_requests: 5,
      total_requests: 8,
    });
    const older = await api.get(`${ADMIN}/usage/${user.userId}?year_month=${monthKey(2)}`, admin.accessToken);
    expect(older.body).toEqual({
      year_month: monthKey(2),
      api_requests: 4,
      mcp_requests: 7,
      total_requests: 11,
    });
    const empty = await api.get(`${ADMIN}/usage/${user.userId}?year_month=1999-01`, admin.accessToken);
    expect(empty.body).toEqual({
      year_month: '1999-01',
      api_requests: 0,
      mcp_requests: 0,
      total_requests: 0,
    });

    const entry = (back: number, api: number, mcp: number) => ({
      year_month: monthKey(back),
      api_requests: api,
      mcp_requests: mcp,
      total_requests: api + mcp,
      total: api + mcp,
    });
    const six = await api.get(`${ADMIN}/usage/${user.userId}/history?months=6`, admin.accessToken);
    expect(six.status).toBe(200);
    expect(six.body).toEqual({
      history: [
        entry(0, 3, 5),
        entry(1, 0, 0),
        entry(2, 4, 7),
        entry(3, 0, 0),
        entry(4, 0, 0),
        entry(5, 1, 0),
      ],
    });
    const byDefault = await api.get(`${ADMIN}/usage/${user.userId}/history`, admin.accessToken);
    expect(byDefault.body).toEqual(six.body);
    const eight = await api.get(`${ADMIN}/usage/${user.userId}/history?months=8`, admin.accessToken);
    expect(eight.body.history).toHaveLength(8);
    expect(eight.body.history[7]).toEqual(entry(7, 100, 0));
    const oneMonth = await api.get(`${ADMIN}/usage/${user.userId}/history?months=1`, admin.accessToken);
    expect(oneMonth.body).toEqual({ history: [entry(0, 3, 5)] });
    const longest = await api.get(`${ADMIN}/usage/${user.userId}/history?months=24`, admin.accessToken);
    expect(longest.body.history).toHaveLength(24);
    expect(longest.body.history[23].year_month).toBe(monthKey(23));
  });

  it.each(['2026-13', '2026-00', '2026-1', '202601', '26-01', 'abcd-ef', '2026-01-01', '2026-01x'])(
    'rejects year_month=%s with 422',
    async (value) => {
      const admin = await newAdmin();
      const user = await createUser(api);
      const response = await api.get(`${ADMIN}/usage/${user.userId}?year_month=${value}`, admin.accessToken);
      expectError(response, 422, 'VALIDATION_ERROR');
    },
  );

  it.each(['0', '25', '-1', 'x', '1.5'])('rejects history months=%s with 422', async (value) => {
    const admin = await newAdmin();
    const user = await createUser(api);
    const response = await api.get(
      `${ADMIN}/usage/${user.userId}/history?months=${value}`,
      admin.accessToken,
    );
    expectError(response, 422, 'VALIDATION_ERROR');
  });

  it.each([randomUUID(), 'garbage'])('answers 404 USER_NOT_FOUND for the usage of %j', async (id) => {
    const admin = await newAdmin();
    expectError(await api.get(`${ADMIN}/usage/${id}`, admin.accessToken), 404, 'USER_NOT_FOUND');
    expectError(await api.get(`${ADMIN}/usage/${id}/history`, admin.accessToken), 404, 'USER_NOT_FOUND');
  });
});
