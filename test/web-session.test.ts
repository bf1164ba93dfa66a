import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, expectError, promote, type TestUser } from './helpers/client.js';
import { storeNew } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The web UI's cookie session, the caller's own usage and document ETags, over real HTTP. */

const WEB = '/api/v1/auth/web';
const CSRF = { 'x-requested-with': 'ainstruct' };

let server: TestServer;
let api: ApiClient;
let admin: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
  admin = await createUser(api, 'admin');
  await promote(api, admin.userId);
});
afterAll(async () => {
  await server?.close();
});

/** The session cookie a response set, as `name=value` for a Cookie header, and its attributes. */
function sessionCookie(response: { headers: Headers }): { pair: string; attributes: string } {
  const header = response.headers.getSetCookie().find((c) => c.startsWith('ainstruct_refresh='));
  if (!header) throw new Error('no session cookie set');
  const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
  return { pair, attributes: attributes.join('; ').toLowerCase() };
}

function webLogin(user: TestUser, headers: Record<string, string> = CSRF) {
  return api.request('POST', `${WEB}/login`, {
    body: { username: user.username, password: user.password },
    headers,
  });
}

function webRefresh(cookie?: string) {
  return api.request('POST', `${WEB}/refresh`, { headers: { ...CSRF, ...(cookie ? { cookie } : {}) } });
}

describe('web session', () => {
  it('logs in with the refresh token only in an httpOnly SameSite=Strict cookie', async () => {
    const user = await createUser(api, 'web');
    const login = await webLogin(user);
    expect(login.status).toBe(200);
    expect(login.body.refresh_token).toBeUndefined();
    expect(login.body.user).toMatchObject({ user_id: user.userId, username: user.username });
    expect(login.body.expires_in).toBeGreaterThan(0);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const cookie = sessionCookie(login);
    expect(cookie.pair).toMatch(/^ainstruct_refresh=rt_/);
    expect(cookie.attributes).toContain('httponly');
    expect(cookie.attributes).toContain('samesite=strict');
    expect(cookie.attributes).toContain('path=/api/v1/auth/web');
    expect(cookie.attributes).toMatch(/max-age=604800/);

    const profile = await api.get('/api/v1/auth/profile', login.body.access_token);
    expect(profile.body.user_id).toBe(user.userId);
  });

  it('refuses session calls without the anti-CSRF header', async () => {
    const user = await createUser(api, 'web');
    expectError(await webLogin(user, {}), 422, 'VALIDATION_ERROR');
    const cookie = sessionCookie(await webLogin(user)).pair;
    const refresh = await api.request('POST', `${WEB}/refresh`, { headers: { cookie } });
    expectError(refresh, 422, 'VALIDATION_ERROR');
  });

  it('refreshes from the cookie, rotating it; a replayed cookie ends the session', async () => {
    const user = await createUser(api, 'web');
    const first = sessionCookie(await webLogin(user)).pair;
    const refreshed = await webRefresh(first);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.username).toBe(user.username);
    const second = sessionCookie(refreshed).pair;
    expect(second).not.toBe(first);

    // The old cookie again: treated as stolen, the whole session is revoked, including the new cookie.
    expectError(await webRefresh(first), 401, 'INVALID_REFRESH_TOKEN');
    expectError(await webRefresh(second), 401, 'INVALID_REFRESH_TOKEN');
    const profile = await api.get('/api/v1/auth/profile', refreshed.body.access_token);
    expect(profile.status).toBe(401);
  });

  it('answers 401 NO_SESSION without a cookie', async () => {
    expectError(await webRefresh(), 401, 'NO_SESSION');
  });

  it('logout revokes the session and clears the cookie', async () => {
    const user = await createUser(api, 'web');
    const login = await webLogin(user);
    const cookie = sessionCookie(login).pair;
    const logout = await api.request('POST', `${WEB}/logout`, { headers: { ...CSRF, cookie } });
    expect(logout.status).toBe(200);
    expect(sessionCookie(logout).pair).toBe('ainstruct_refresh=');
    expectError(await webRefresh(cookie), 401, 'INVALID_REFRESH_TOKEN');
    expect((await api.get('/api/v1/auth/profile', login.body.access_token)).status).toBe(401);
    // Logging out again (no or stale cookie) is fine for a browser.
    const again = await api.request('POST', `${WEB}/logout`, { headers: { ...CSRF, cookie } });
    expect(again.status).toBe(200);
  });

  it('two sessions of two users stay apart', async () => {
    const alice = await createUser(api, 'alice');
    const bob = await createUser(api, 'bob');
    const aliceCookie = sessionCookie(await webLogin(alice)).pair;
    const bobCookie = sessionCookie(await webLogin(bob)).pair;
    expect((await webRefresh(aliceCookie)).body.user.user_id).toBe(alice.userId);
    expect((await webRefresh(bobCookie)).body.user.user_id).toBe(bob.userId);
  });

  it('a deactivated user can no longer refresh', async () => {
    const user = await createUser(api, 'web');
    const cookie = sessionCookie(await webLogin(user)).pair;
    const off = await api.patch(
      `/api/v1/admin/users/${user.userId}`,
      { is_active: false },
      admin.accessToken,
    );
    expect(off.status).toBe(200);
    expectError(await webRefresh(cookie), 401, 'INVALID_REFRESH_TOKEN');
  });

  it('rejects wrong passwords like /auth/login', async () => {
    const user = await createUser(api, 'web');
    const login = await api.request('POST', `${WEB}/login`, {
      body: { username: user.username, password: 'wrong password!' },
      headers: CSRF,
    });
    expectError(login, 401, 'INVALID_CREDENTIALS');
    expect(login.headers.getSetCookie()).toEqual([]);
  });
});

describe('own usage', () => {
  it('counts the caller’s own calls this month and in the history', async () => {
    const user = await createUser(api, 'usage');
    const before = await api.get('/api/v1/usage', user.accessToken);
    expect(before.status).toBe(200);
    await api.get('/api/v1/collections', user.accessToken);
    await api.get('/api/v1/documents', user.accessToken);
    const after = await api.get('/api/v1/usage', user.accessToken);
    expect(after.body.api_requests).toBeGreaterThanOrEqual(before.body.api_requests + 2);
    expect(after.body.total_requests).toBe(after.body.api_requests + after.body.mcp_requests);

    const history = await api.get('/api/v1/usage/history?months=3', user.accessToken);
    expect(history.body.history).toHaveLength(3);
    expect(history.body.history[0].year_month).toBe(after.body.year_month);
    expect(history.body.history[0].total).toBe(history.body.history[0].total_requests);

    const other = await api.get('/api/v1/usage?year_month=2001-01', user.accessToken);
    expect(other.body).toEqual({
      year_month: '2001-01',
      api_requests: 0,
      mcp_requests: 0,
      total_requests: 0,
    });
    expectError(await api.get('/api/v1/usage?year_month=2001-13', user.accessToken), 422, 'VALIDATION_ERROR');
  });

  it('is refused to collection tokens and anonymous callers', async () => {
    const user = await createUser(api, 'usage');
    const cat = await api.post(
      '/api/v1/auth/cat',
      { label: 'c', collection_id: user.defaultCollectionId, permission: 'read' },
      user.accessToken,
    );
    expectError(await api.get('/api/v1/usage', cat.body.token), 403, 'INSUFFICIENT_SCOPE');
    expect((await api.get('/api/v1/usage')).status).toBe(401);
  });
});

describe('document ETags', () => {
  it('GET gives an ETag; PATCH with a stale If-Match is 412 and changes nothing', async () => {
    const user = await createUser(api, 'etag');
    const id = await storeNew(api, user.accessToken, { title: 'Versioned', content: 'first version' });
    const got = await api.get(`/api/v1/documents/${id}`, user.accessToken);
    const etag = got.headers.get('etag');
    expect(etag).toBe(`"${got.body.updated_at}"`);

    const saved = await api.request('PATCH', `/api/v1/documents/${id}`, {
      token: user.accessToken,
      body: { title: 'Versioned 2' },
      headers: { 'if-match': etag ?? '' },
    });
    expect(saved.status).toBe(200);
    const next = saved.headers.get('etag');
    expect(next).toBe(`"${saved.body.updated_at}"`);
    expect(next).not.toBe(etag);

    const stale = await api.request('PATCH', `/api/v1/documents/${id}`, {
      token: user.accessToken,
      body: { content: 'overwritten by a stale editor' },
      headers: { 'if-match': etag ?? '' },
    });
    expectError(stale, 412, 'DOCUMENT_CHANGED');
    const malformed = await api.request('PATCH', `/api/v1/documents/${id}`, {
      token: user.accessToken,
      body: { content: 'no version named' },
      headers: { 'if-match': 'not-an-etag' },
    });
    expectError(malformed, 412, 'DOCUMENT_CHANGED');
    const current = await api.get(`/api/v1/documents/${id}`, user.accessToken);
    expect(current.body.content).toBe('first version');
    expect(current.body.title).toBe('Versioned 2');

    const any = await api.request('PATCH', `/api/v1/documents/${id}`, {
      token: user.accessToken,
      body: { title: 'Versioned 3' },
      headers: { 'if-match': '*' },
    });
    expect(any.status).toBe(200);
  });
});
