import { randomBytes } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient as Api, ApiClient, createUser, promote, type TestUser } from './helpers/client.js';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from './helpers/server.js';

const AUTH = '/api/v1/auth';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const PASSWORD = 'correct horse battery';

let server: TestServer;
let api: ApiClient;
let admin: TestUser;
let seq = 0;

/** A fresh, unused username/email pair. */
function fresh(prefix = 'u') {
  seq += 1;
  const username = `${prefix}${seq}_${randomBytes(3).toString('hex')}`;
  return { username, email: `${username}@example.com`, password: PASSWORD };
}

function setActive(userId: string, isActive: boolean) {
  return api.patch(`/api/v1/admin/users/${userId}`, { is_active: isActive }, admin.accessToken);
}

function login(client: Api, username: string, password = PASSWORD) {
  return client.post(`${AUTH}/login`, { username, password });
}

function profile(token: string | undefined) {
  return api.get(`${AUTH}/profile`, token);
}

function fieldsOf(body: { detail: { errors?: { field: string }[] } }): string[] {
  return (body.detail.errors ?? []).map((e) => e.field);
}

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
  admin = await createUser(api, 'admin');
  await promote(api, admin.userId);
});
afterAll(() => server?.close());

describe('register', () => {
  it('creates the account (201 with its fields) and a "default" collection', async () => {
    const input = fresh('reg');
    const response = await api.post(`${AUTH}/register`, input);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      user_id: expect.stringMatching(UUID),
      username: input.username,
      email: input.email,
      is_active: true,
      is_superuser: false,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const loggedIn = await login(api, input.username);
    expect(loggedIn.status).toBe(200);
    const collections = await api.get('/api/v1/collections', loggedIn.body.access_token);
    expect(collections.status).toBe(200);
    expect(collections.body.collections).toHaveLength(1);
    expect(collections.body.collections[0]).toMatchObject({
      name: 'default',
      document_count: 0,
      cat_count: 0,
    });
  });

  it('refuses a username taken in any letter case with 400 USERNAME_EXISTS', async () => {
    const first = fresh('Case');
    expect((await api.post(`${AUTH}/register`, first)).status).toBe(201);
    const again = await api.post(`${AUTH}/register`, {
      username: first.username.toUpperCase(),
      email: `other_${first.email}`,
      password: PASSWORD,
    });
    expect(again.status).toBe(400);
    expect(again.body.detail.code).toBe('USERNAME_EXISTS');
  });

  it('refuses an email taken in any letter case with 400 EMAIL_EXISTS', async () => {
    const first = fresh('mail');
    expect((await api.post(`${AUTH}/register`, first)).status).toBe(201);
    const again = await api.post(`${AUTH}/register`, {
      username: `other_${first.username}`,
      email: first.email.toUpperCase(),
      password: PASSWORD,
    });
    expect(again.status).toBe(400);
    expect(again.body.detail.code).toBe('EMAIL_EXISTS');
  });

  it('accepts passwords of exactly 8 and 1024 characters', async () => {
    for (const password of ['12345678', 'p'.repeat(1024)]) {
      const input = { ...fresh('len'), password };
      expect((await api.post(`${AUTH}/register`, input)).status).toBe(201);
      expect((await login(api, input.username, password)).status).toBe(200);
    }
  });

  it.each([
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['a password shorter than 8', { password: 'seven77' }, 'password'],
    ['a password longer than 1024', { password: 'p'.repeat(1025) }, 'password'],
    ['a username with a space', { username: 'bad name' }, 'username'],
    ['a username with a slash', { username: 'a/b' }, 'username'],
    ['an empty username', { username: '' }, 'username'],
    ['a username over 100 characters', { username: 'u'.repeat(101) }, 'username'],
  ])('rejects %s with 422 naming the field', async (_name, override, field) => {
    const response = await api.post(`${AUTH}/register`, { ...fresh('bad'), ...override });
    expect(response.status).toBe(422);
    expect(response.body.detail.code).toBe('VALIDATION_ERROR');
    expect(new Set(fieldsOf(response.body))).toEqual(new Set([field]));
    expect(response.body.detail.errors[0].location).toBe('body');
  });

  it('lists every invalid field at once', async () => {
    const response = await api.post(`${AUTH}/register`, {
      username: 'x y',
      email: 'nope',
      password: 'short',
    });
    expect(response.status).toBe(422);
    expect([...new Set(fieldsOf(response.body))].sort()).toEqual(['email', 'password', 'username']);
  });

  it('rejects a missing field with 422', async () => {
    const { username, email } = fresh('miss');
    const response = await api.post(`${AUTH}/register`, { username, email });
    expect(response.status).toBe(422);
    expect(fieldsOf(response.body)).toEqual(['password']);
  });

  it('answers 403 REGISTRATION_DISABLED when registration is closed, while login still works', async () => {
    const closed = await startTestServer({ REGISTRATION_ENABLED: 'false' });
    try {
      const closedApi = new ApiClient(closed.url);
      const response = await closedApi.post(`${AUTH}/register`, fresh('closed'));
      expect(response.status).toBe(403);
      expect(response.body.detail.code).toBe('REGISTRATION_DISABLED');
      // Login is unaffected; an unknown user is simply rejected.
      expect((await login(closedApi, 'nobody-here')).status).toBe(401);
    } finally {
      await closed.close();
    }
  });

  it('lets exactly one of 20 concurrent registrations of the same username succeed', async () => {
    const base = fresh('race');
    const attempts = Array.from({ length: 20 }, (_, i) =>
      api.post(`${AUTH}/register`, {
        // Mixed letter case: the uniqueness ignores case even under a race.
        username: i % 2 === 0 ? base.username : base.username.toUpperCase(),
        email: `race${i}_${base.email}`,
        password: PASSWORD,
      }),
    );
    const responses = await Promise.all(attempts);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const response of responses.filter((r) => r.status === 400)) {
      expect(response.body.detail.code).toBe('USERNAME_EXISTS');
    }
    // The winner has exactly one default collection.
    const winner = responses.find((r) => r.status === 201);
    const loggedIn = await login(api, winner?.body.username);
    expect(loggedIn.status).toBe(200);
    const collections = await api.get('/api/v1/collections', loggedIn.body.access_token);
    expect(collections.body.collections.map((c: { name: string }) => c.name)).toEqual(['default']);
  });
});

describe('login', () => {
  it('returns a token pair for the username', async () => {
    const user = await createUser(api);
    const response = await login(api, user.username);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^rt_[A-Za-z0-9_-]{43}$/),
      token_type: 'bearer',
      expires_in: 1800,
      refresh_expires_at: expect.stringMatching(ISO),
    });
    const claims = decodeJwt(response.body.access_token);
    expect(claims.sub).toBe(user.userId);
    expect(claims.type).toBe('access');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(1800);
    const refreshDays = (Date.parse(response.body.refresh_expires_at) - Date.now()) / 86_400_000;
    expect(refreshDays).toBeGreaterThan(6.9);
    expect(refreshDays).toBeLessThanOrEqual(7);
    const me = await profile(response.body.access_token);
    expect(me.status).toBe(200);
    expect(me.body.user_id).toBe(user.userId);
  });

  it('accepts the email or the username in any letter case', async () => {
    const user = await createUser(api, 'Mixed');
    for (const name of [
      user.email,
      user.email.toUpperCase(),
      user.username.toUpperCase(),
      user.username.toLowerCase(),
    ]) {
      const response = await login(api, name, user.password);
      expect(response.status, name).toBe(200);
      expect(decodeJwt(response.body.access_token).sub).toBe(user.userId);
    }
  });

  it('answers a wrong password and an unknown user identically: 401 INVALID_CREDENTIALS', async () => {
    const user = await createUser(api);
    const wrong = await login(api, user.username, 'wrong password!');
    const unknown = await login(api, `nobody_${randomBytes(4).toString('hex')}`, 'wrong password!');
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses a disabled account with 403 ACCOUNT_DISABLED, only once the password is right', async () => {
    const user = await createUser(api);
    expect((await setActive(user.userId, false)).status).toBe(200);
    const response = await login(api, user.username, user.password);
    expect(response.status).toBe(403);
    expect(response.body.detail.code).toBe('ACCOUNT_DISABLED');
    // A wrong password does not reveal that the account exists and is disabled.
    const wrong = await login(api, user.username, 'wrong password!');
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail.code).toBe('INVALID_CREDENTIALS');
  });

  it('rejects a missing password with 422', async () => {
    const response = await api.post(`${AUTH}/login`, { username: 'someone' });
    expect(response.status).toBe(422);
    expect(fieldsOf(response.body)).toEqual(['password']);
  });
});

describe('refresh', () => {
  it('returns a new working pair, and the used refresh token stops working', async () => {
    const user = await createUser(api);
    const response = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
    expect(response.body.refresh_token).toMatch(/^rt_/);
    expect(response.body.refresh_token).not.toBe(user.refreshToken);
    expect(response.body.access_token).not.toBe(user.accessToken);
    expect((await profile(response.body.access_token)).status).toBe(200);

    const reused = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('revokes the whole session when a used refresh token is presented again', async () => {
    const user = await createUser(api);
    const otherSession = await login(api, user.username);
    const second = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(second.status).toBe(200);
    const third = await api.post(`${AUTH}/refresh`, { refresh_token: second.body.refresh_token });
    expect(third.status).toBe(200);
    expect((await profile(third.body.access_token)).status).toBe(200);

    // Replaying the first (already used) refresh token: someone copied it.
    const replay = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body.detail.code).toBe('INVALID_REFRESH_TOKEN');

    // The newest refresh token of that family is dead…
    const newest = await api.post(`${AUTH}/refresh`, { refresh_token: third.body.refresh_token });
    expect(newest.status).toBe(401);
    expect(newest.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
    // …and so is every access token of the session.
    for (const token of [user.accessToken, second.body.access_token, third.body.access_token]) {
      const me = await profile(token);
      expect(me.status).toBe(401);
      expect(me.body.detail.code).toBe('INVALID_TOKEN');
    }
    // Another login session of the same user is untouched.
    expect((await profile(otherSession.body.access_token)).status).toBe(200);
    expect(
      (await api.post(`${AUTH}/refresh`, { refresh_token: otherSession.body.refresh_token })).status,
    ).toBe(200);
  });

  it('never lets two concurrent refreshes with the same token both succeed', async () => {
    const user = await createUser(api);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken })),
    );
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const response of responses.filter((r) => r.status !== 200)) {
      expect(response.status).toBe(401);
      expect(response.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
    }
  });

  it('rejects unknown tokens and access tokens with 401 INVALID_REFRESH_TOKEN', async () => {
    const user = await createUser(api);
    for (const token of [`rt_${'A'.repeat(43)}`, 'garbage', user.accessToken.slice(0, 200)]) {
      const response = await api.post(`${AUTH}/refresh`, { refresh_token: token });
      expect(response.status).toBe(401);
      expect(response.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
    }
  });

  it('rejects a missing refresh_token with 422', async () => {
    const response = await api.post(`${AUTH}/refresh`, {});
    expect(response.status).toBe(422);
    expect(fieldsOf(response.body)).toEqual(['refresh_token']);
  });
});

describe('logout', () => {
  it('with a bearer token ends that session: its access and refresh tokens stop working', async () => {
    const user = await createUser(api);
    const other = await login(api, user.username);
    const response = await api.post(`${AUTH}/logout`, undefined, user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ message: expect.any(String) });

    const me = await profile(user.accessToken);
    expect(me.status).toBe(401);
    expect(me.body.detail.code).toBe('INVALID_TOKEN');
    const refreshed = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
    // Only that session: another login keeps working.
    expect((await profile(other.body.access_token)).status).toBe(200);
  });

  it('with a refresh_token in the body needs no bearer token', async () => {
    const user = await createUser(api);
    const response = await api.post(`${AUTH}/logout`, { refresh_token: user.refreshToken });
    expect(response.status).toBe(200);
    expect((await profile(user.accessToken)).status).toBe(401);
    const refreshed = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('rejects an unknown refresh token, a missing credential and a PAT', async () => {
    const unknown = await api.post(`${AUTH}/logout`, { refresh_token: `rt_${'B'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail.code).toBe('INVALID_REFRESH_TOKEN');

    const anonymous = await api.post(`${AUTH}/logout`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.detail.code).toBe('UNAUTHORIZED');

    const user = await createUser(api);
    const pat = await api.post(`${AUTH}/pat`, { label: 'logout' }, user.accessToken);
    expect(pat.status).toBe(201);
    const withPat = await api.post(`${AUTH}/logout`, undefined, pat.body.token);
    expect(withPat.status).toBe(400);
    expect(withPat.body.detail.code).toBe('NO_SESSION');
    // The PAT is not revoked by that.
    expect((await profile(pat.body.token)).status).toBe(200);
  });
});

describe('profile', () => {
  it('returns the calling user from the database', async () => {
    const user = await createUser(api);
    const response = await profile(user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user_id: user.userId,
      username: user.username,
      email: user.email,
      is_active: true,
      is_superuser: false,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
  });

  it('reflects a promotion at once, without a new token', async () => {
    const user = await createUser(api);
    await promote(api, user.userId);
    const response = await profile(user.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.is_superuser).toBe(true);
    // …and the old token now reaches the admin API.
    expect((await api.get('/api/v1/admin/users', user.accessToken)).status).toBe(200);
  });
});

describe('deactivation', () => {
  it('stops JWT, PAT, CAT and refresh token at once; reactivation does not revive the session', async () => {
    const user = await createUser(api);
    const pat = await api.post(`${AUTH}/pat`, { label: 'deactivate' }, user.accessToken);
    expect(pat.status).toBe(201);
    const cat = await api.post(
      `${AUTH}/cat`,
      { label: 'deactivate', collection_id: user.defaultCollectionId, permission: 'read' },
      user.accessToken,
    );
    expect(cat.status).toBe(201);

    // Before: every credential authenticates (a CAT is recognised, then refused on a user route).
    expect((await profile(user.accessToken)).status).toBe(200);
    expect((await profile(pat.body.token)).status).toBe(200);
    const catBefore = await api.get('/api/v1/collections', cat.body.token);
    expect(catBefore.status).toBe(403);
    expect(catBefore.body.detail.code).toBe('INSUFFICIENT_SCOPE');

    const deactivated = await setActive(user.userId, false);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.is_active).toBe(false);

    for (const token of [user.accessToken, pat.body.token]) {
      const response = await profile(token);
      expect(response.status).toBe(401);
      expect(response.body.detail.code).toBe('INVALID_TOKEN');
    }
    const catAfter = await api.get('/api/v1/collections', cat.body.token);
    expect(catAfter.status).toBe(401);
    expect(catAfter.body.detail.code).toBe('INVALID_TOKEN');
    const refreshed = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.detail.code).toBe('INVALID_REFRESH_TOKEN');

    expect((await setActive(user.userId, true)).status).toBe(200);
    // The session ended with the deactivation: neither its refresh token nor its access token come back.
    const afterReactivation = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(afterReactivation.status).toBe(401);
    expect(afterReactivation.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
    expect((await profile(user.accessToken)).status).toBe(401);
    // Logging in again works.
    expect((await login(api, user.username)).status).toBe(200);
  });
});

describe('bearer validation', () => {
  const key = (secret: string) => new TextEncoder().encode(secret);

  /** An access token with the claims of a real one, re-signed with the given secret, algorithm and expiry. */
  async function forge(
    real: string,
    options: { secret?: string; alg?: string; exp?: number; claims?: Record<string, unknown> } = {},
  ) {
    const { exp: _exp, iat: _iat, ...claims } = decodeJwt(real);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, ...options.claims })
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .setIssuedAt(now - 60)
      .setExpirationTime(options.exp ?? now + 600)
      .sign(key(options.secret ?? TEST_JWT_SECRET));
  }

  async function expectInvalid(token: string, code = 'INVALID_TOKEN') {
    const response = await profile(token);
    expect(response.status).toBe(401);
    expect(response.body.detail.code).toBe(code);
  }

  it('accepts a token re-signed with the server secret (the control for the cases below)', async () => {
    const user = await createUser(api);
    const response = await profile(await forge(user.accessToken));
    expect(response.status).toBe(200);
    expect(response.body.user_id).toBe(user.userId);
  });

  it('rejects a token signed with another secret', async () => {
    const user = await createUser(api);
    await expectInvalid(await forge(user.accessToken, { secret: 'another-secret-0123456789-0123456789-01' }));
  });

  it('rejects an expired token', async () => {
    const user = await createUser(api);
    await expectInvalid(await forge(user.accessToken, { exp: Math.floor(Date.now() / 1000) - 120 }));
  });

  it('rejects another algorithm, even with the right secret', async () => {
    const user = await createUser(api);
    await expectInvalid(await forge(user.accessToken, { alg: 'HS512' }));
    const [, payload] = user.accessToken.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    await expectInvalid(unsigned);
  });

  it('rejects a token whose type is not "access"', async () => {
    const user = await createUser(api);
    await expectInvalid(await forge(user.accessToken, { claims: { type: 'refresh' } }));
  });

  it('rejects well-signed tokens naming a user or session that does not exist (401, never 500)', async () => {
    const user = await createUser(api);
    await expectInvalid(await forge(user.accessToken, { claims: { sub: 'not-a-uuid' } }));
    await expectInvalid(await forge(user.accessToken, { claims: { sid: 'not-a-uuid' } }));
    await expectInvalid(
      await forge(user.accessToken, { claims: { sid: '00000000-0000-4000-8000-000000000000' } }),
    );
    // A valid session of someone else does not make a token for this user valid.
    const other = await createUser(api);
    const otherSid = decodeJwt(other.accessToken).sid;
    await expectInvalid(await forge(user.accessToken, { claims: { sid: otherSid } }));
  });

  it('rejects a refresh token used as a bearer token', async () => {
    const user = await createUser(api);
    await expectInvalid(user.refreshToken);
  });

  it('rejects garbage and unknown token secrets', async () => {
    await expectInvalid('garbage');
    await expectInvalid('a.b.c');
    await expectInvalid(`pat_live_${'A'.repeat(43)}`);
    await expectInvalid(`cat_live_${'A'.repeat(43)}`);
  });

  it('answers a missing or non-Bearer Authorization header with 401 UNAUTHORIZED', async () => {
    const user = await createUser(api);
    const missing = await profile(undefined);
    expect(missing.status).toBe(401);
    expect(missing.body.detail.code).toBe('UNAUTHORIZED');
    for (const header of [`Basic ${user.accessToken}`, 'Bearer', 'Bearer    ', user.accessToken]) {
      const response = await api.request('GET', `${AUTH}/profile`, { headers: { authorization: header } });
      expect(response.status, header).toBe(401);
      expect(response.body.detail.code).toBe('UNAUTHORIZED');
    }
  });

  it('stops the tokens of a deleted user', async () => {
    const user = await createUser(api);
    const pat = await api.post(`${AUTH}/pat`, { label: 'deleted' }, user.accessToken);
    expect((await api.delete(`/api/v1/admin/users/${user.userId}`, admin.accessToken)).status).toBe(200);
    await expectInvalid(user.accessToken);
    await expectInvalid(pat.body.token);
    const refreshed = await api.post(`${AUTH}/refresh`, { refresh_token: user.refreshToken });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.detail.code).toBe('INVALID_REFRESH_TOKEN');
  });
});

describe('rate limit on authentication routes', () => {
  let limited: TestServer;
  let limitedApi: ApiClient;

  beforeAll(async () => {
    // Behind a (simulated) proxy, so each test can speak as its own client IP.
    limited = await startTestServer({ RATE_LIMIT_AUTH_PER_MINUTE: '3', TRUST_PROXY: 'true' });
    limitedApi = new ApiClient(limited.url);
  });
  afterAll(() => limited?.close());

  const from = (ip: string, path: string, body: unknown) =>
    limitedApi.request('POST', `${AUTH}/${path}`, { body, headers: { 'x-forwarded-for': ip } });
  const badLogin = { username: 'nobody-at-all', password: 'wrong password!' };

  it('answers the 4th login from the same IP within a minute with 429 RATE_LIMITED', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await from('203.0.113.1', 'login', badLogin)).status).toBe(401);
    }
    const fourth = await from('203.0.113.1', 'login', badLogin);
    expect(fourth.status).toBe(429);
    expect(fourth.body.detail.code).toBe('RATE_LIMITED');
    // Another client is not affected, nor are other routes.
    expect((await from('203.0.113.2', 'login', badLogin)).status).toBe(401);
    expect((await limitedApi.get('/health')).status).toBe(200);
  });

  it('counts register, login and refresh against one budget per client', async () => {
    const ip = '203.0.113.3';
    expect((await from(ip, 'register', fresh('limit'))).status).toBe(201);
    expect((await from(ip, 'refresh', { refresh_token: 'rt_unknown' })).status).toBe(401);
    expect((await from(ip, 'login', badLogin)).status).toBe(401);
    for (const path of ['login', 'register', 'refresh']) {
      const response = await from(ip, path, path === 'refresh' ? { refresh_token: 'rt_unknown' } : badLogin);
      expect(response.status, path).toBe(429);
      expect(response.body.detail.code).toBe('RATE_LIMITED');
    }
  });

  it('counts the web UI login against the same budget as /auth/login', async () => {
    const ip = '203.0.113.4';
    const web = (path: string) =>
      limitedApi.request('POST', `${AUTH}/web/${path}`, {
        body: path === 'login' ? badLogin : undefined,
        headers: { 'x-forwarded-for': ip, 'x-requested-with': 'ainstruct' },
      });
    expect((await from(ip, 'login', badLogin)).status).toBe(401);
    expect((await web('login')).status).toBe(401);
    expect((await web('refresh')).status).toBe(401);
    for (const attempt of [() => web('login'), () => from(ip, 'login', badLogin)]) {
      const response = await attempt();
      expect(response.status).toBe(429);
      expect(response.body.detail.code).toBe('RATE_LIMITED');
    }
  });
});
