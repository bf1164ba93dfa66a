import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthStore } from '../src/db/schema.js';
import { ApiClient, createUser, promote, type TestUser } from './helpers/client.js';
import { createCollection, storeNew } from './helpers/documents.js';
import {
  call,
  connectMcp,
  DOCUMENT_READ_TOOLS,
  DOCUMENT_WRITE_TOOLS,
  initializeRequest,
  postMcp,
  toolNames,
} from './helpers/mcp.js';
import { Browser, consent, REDIRECT_URL } from './helpers/oauth.js';
import { authorizationUrl, obtainTokens, pkce, registerClient, tokenRequest } from './helpers/oauth-raw.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let base: string;
let api: ApiClient;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  base = server.url;
  api = new ApiClient(base);
  user = await createUser(api, 'oauthsec');
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const ACCOUNT_RW = { access: 'read_write', collection_id: null } as const;

/** The status of an MCP initialize with this bearer token. */
async function mcpStatus(token: string, origin = base) {
  return (await postMcp(origin, initializeRequest(), { authorization: `Bearer ${token}` })).status;
}

const refresh = (clientId: string, refreshToken: string) =>
  tokenRequest(base, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

describe('authorization requests', () => {
  it('refuses an unregistered redirect URI with an RFC 6749 error and no redirect', async () => {
    const { body } = await registerClient(base);
    const { challenge } = pkce();
    const url = authorizationUrl(base, body.client_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      redirect_uri: 'http://127.0.0.1:53682/elsewhere',
    });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_redirect_uri');
  });

  it('lets a native client use any loopback port (RFC 8252)', async () => {
    const { body } = await registerClient(base, { application_type: 'native' });
    const { challenge } = pkce();
    const url = authorizationUrl(base, body.client_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      redirect_uri: 'http://127.0.0.1:40001/callback',
    });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('/oauth/consent/');
  });

  it('requires PKCE, and S256 only', async () => {
    const { body } = await registerClient(base);
    for (const params of [
      {} as Record<string, string>,
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
    ]) {
      const response = await fetch(authorizationUrl(base, body.client_id, params), { redirect: 'manual' });
      const location = new URL(response.headers.get('location') ?? '');
      expect(location.origin + location.pathname).toBe(REDIRECT_URL);
      expect(location.searchParams.get('error')).toBe('invalid_request');
      expect(location.searchParams.get('iss')).toBe(base);
    }
  });

  it('refuses a resource other than this server’s /mcp', async () => {
    const { body } = await registerClient(base);
    const { challenge } = pkce();
    const url = authorizationUrl(base, body.client_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: 'https://other.example/mcp',
    });
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_target');
  });

  it('ends a denied request with access_denied and the issuer', async () => {
    const { body } = await registerClient(base);
    const { challenge } = pkce();
    const url = authorizationUrl(base, body.client_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const callback = await consent(base, url, user.accessToken, 'deny');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('iss')).toBe(base);
    expect(callback.searchParams.get('state')).toBe('state-1');
  });

  it('asks for consent again when the client asks for more than was granted', async () => {
    const browser = new Browser();
    const first = await obtainTokens(
      base,
      user.accessToken,
      { access: 'read_write', collection_id: null },
      browser,
      { scope: 'read' },
    );
    // Same browser, same client: the grant covers `read`, which it asked for; `write` it never asked for.
    const { challenge } = pkce();
    const again = await browser.follow(
      authorizationUrl(base, first.clientId, {
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: 'read',
      }).href,
      base,
    );
    expect(new URL(again.url).searchParams.get('code')).toBeTruthy();
    const more = await browser.follow(
      authorizationUrl(base, first.clientId, { code_challenge: challenge, code_challenge_method: 'S256' })
        .href,
      base,
    );
    expect(more.url).toContain('/oauth/consent/');
  });
});

describe('the token endpoint', () => {
  it('refuses a wrong PKCE verifier and a reused code (which revokes what the code gave)', async () => {
    const { body } = await registerClient(base);
    const { verifier, challenge } = pkce();
    const url = authorizationUrl(base, body.client_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const callback = await consent(base, url, user.accessToken, ACCOUNT_RW);
    const code = callback.searchParams.get('code') ?? '';
    const exchange = (code_verifier: string) =>
      tokenRequest(base, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URL,
        client_id: body.client_id,
        code_verifier,
      });
    const wrong = await exchange(pkce().verifier);
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const good = await exchange(verifier);
    expect(good.status).toBe(200);
    expect(good.body.token_type).toBe('Bearer');
    expect(good.body.expires_in).toBeLessThanOrEqual(3600);
    expect(await mcpStatus(good.body.access_token)).toBe(200);
    const reused = await exchange(verifier);
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await mcpStatus(good.body.access_token)).toBe(401);
  });

  it('refuses an expired code, and an expired access token at /mcp', async () => {
    const { body } = await registerClient(base);
    const { verifier, challenge } = pkce();
    const url = authorizationUrl(base, body.client_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const callback = await consent(base, url, user.accessToken, ACCOUNT_RW);
    const code = callback.searchParams.get('code') ?? '';
    // Age the stored code past its 60 s lifetime (the row's expiry is what the adapter enforces).
    const past = new Date(Date.now() - 1000);
    await server.handle.db
      .update(oauthStore)
      .set({ expiresAt: past })
      .where(and(eq(oauthStore.kind, 'AuthorizationCode'), eq(oauthStore.id, code)));
    const exchanged = await tokenRequest(base, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URL,
      client_id: body.client_id,
      code_verifier: verifier,
    });
    expect(exchanged).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const tokens = await obtainTokens(base, user.accessToken, ACCOUNT_RW);
    expect(await mcpStatus(tokens.accessToken)).toBe(200);
    await server.handle.db
      .update(oauthStore)
      .set({ expiresAt: past })
      .where(and(eq(oauthStore.kind, 'AccessToken'), eq(oauthStore.id, tokens.accessToken)));
    expect(await mcpStatus(tokens.accessToken)).toBe(401);
    // The refresh token still works: the client gets a new access token.
    const refreshed = await refresh(tokens.clientId, tokens.refreshToken);
    expect(refreshed.status).toBe(200);
    expect(await mcpStatus(refreshed.body.access_token)).toBe(200);
  });

  it('rotates refresh tokens; reusing a rotated one revokes the grant', async () => {
    const tokens = await obtainTokens(base, user.accessToken, ACCOUNT_RW);
    const rotated = await refresh(tokens.clientId, tokens.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(tokens.refreshToken);
    expect(await mcpStatus(rotated.body.access_token)).toBe(200);
    const reused = await refresh(tokens.clientId, tokens.refreshToken);
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await mcpStatus(rotated.body.access_token)).toBe(401);
    expect((await refresh(tokens.clientId, rotated.body.refresh_token)).status).toBe(400);
  });

  it('revocation (RFC 7009) ends the access token and its refresh token', async () => {
    const tokens = await obtainTokens(base, user.accessToken, ACCOUNT_RW);
    const response = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.accessToken, client_id: tokens.clientId }),
    });
    expect(response.status).toBe(200);
    expect(await mcpStatus(tokens.accessToken)).toBe(401);
    expect((await refresh(tokens.clientId, tokens.refreshToken)).body.error).toBe('invalid_grant');
  });
});

describe('OAuth access tokens', () => {
  it('are refused on REST and at another origin’s /mcp (audience)', async () => {
    const tokens = await obtainTokens(base, user.accessToken, ACCOUNT_RW);
    expect((await api.get('/api/v1/collections', tokens.accessToken)).status).toBe(401);
    expect((await api.get('/api/v1/oauth/grants', tokens.accessToken)).status).toBe(401);
    const otherOrigin = base.replace('127.0.0.1', 'localhost');
    expect(await mcpStatus(tokens.accessToken, otherOrigin)).toBe(401);
    expect(await mcpStatus(tokens.accessToken)).toBe(200);
  });

  it('of a collection grant reach only that collection, like a CAT', async () => {
    const owner = await createUser(api, 'oauthtenant');
    const granted = await createCollection(api, owner.accessToken, 'granted');
    const inside = await storeNew(api, owner.accessToken, {
      title: 'in',
      content: 'inside',
      collection_id: granted,
    });
    const outside = await storeNew(api, owner.accessToken, {
      title: 'out',
      content: 'outside',
      collection_id: owner.defaultCollectionId,
    });
    const tokens = await obtainTokens(base, owner.accessToken, {
      access: 'read_write',
      collection_id: granted,
    });
    const client = await connectMcp(base, tokens.accessToken);
    expect(await toolNames(client)).toEqual([...DOCUMENT_READ_TOOLS, ...DOCUMENT_WRITE_TOOLS].sort());
    const seen = await call(client, 'get_document_tool', { document_id: inside });
    expect(seen.isError).toBeFalsy();
    const hidden = await call(client, 'get_document_tool', { document_id: outside });
    expect(hidden.isError).toBe(true);
    await client.close();
    // A collection the person cannot see cannot be granted.
    const foreign = await createCollection(api, user.accessToken, 'foreign');
    await expect(
      obtainTokens(base, owner.accessToken, { access: 'read', collection_id: foreign }),
    ).rejects.toThrow(/404/);
  });

  it('of a read-only grant cannot write', async () => {
    const tokens = await obtainTokens(base, user.accessToken, { access: 'read', collection_id: null });
    const client = await connectMcp(base, tokens.accessToken);
    const names = await toolNames(client);
    expect(names).not.toContain('store_document_tool');
    // Not listed, and refused when called anyway (as for a read-only PAT).
    const attempt = await call(client, 'store_document_tool', { title: 'x', content: 'y' }).catch(
      (error: Error) => ({ isError: true, message: error.message }),
    );
    expect(attempt.isError).toBe(true);
    await client.close();
  });

  it('stop with their refresh when the user is deactivated', async () => {
    const victim = await createUser(api, 'oauthdeact');
    const admin = await createUser(api, 'oauthadmin');
    await promote(api, admin.userId);
    const adminLogin = await api.post('/api/v1/auth/login', {
      username: admin.username,
      password: admin.password,
    });
    const tokens = await obtainTokens(base, victim.accessToken, ACCOUNT_RW);
    expect(await mcpStatus(tokens.accessToken)).toBe(200);
    const patched = await api.patch(
      `/api/v1/admin/users/${victim.userId}`,
      { is_active: false },
      adminLogin.body.access_token,
    );
    expect(patched.status).toBe(200);
    expect(await mcpStatus(tokens.accessToken)).toBe(401);
    expect((await refresh(tokens.clientId, tokens.refreshToken)).body.error).toBe('invalid_grant');
  });

  it('stop when the client is disconnected or the granted collection deleted', async () => {
    const tokens = await obtainTokens(base, user.accessToken, ACCOUNT_RW);
    const grants = await api.get('/api/v1/oauth/grants?limit=100', user.accessToken);
    const grant = grants.body.grants.find((g: { client_id: string }) => g.client_id === tokens.clientId);
    expect(grant).toMatchObject({
      access: 'read_write',
      collection_id: null,
      client_host: '127.0.0.1:53682',
    });
    const stranger = await createUser(api, 'oauthstranger');
    expect((await api.delete(`/api/v1/oauth/grants/${grant.id}`, stranger.accessToken)).status).toBe(404);
    expect((await api.delete(`/api/v1/oauth/grants/${grant.id}`, user.accessToken)).status).toBe(204);
    expect((await api.delete(`/api/v1/oauth/grants/${grant.id}`, user.accessToken)).status).toBe(404);
    expect(await mcpStatus(tokens.accessToken)).toBe(401);
    expect((await refresh(tokens.clientId, tokens.refreshToken)).body.error).toBe('invalid_grant');

    const doomed = await createCollection(api, user.accessToken, 'doomed');
    const scoped = await obtainTokens(base, user.accessToken, { access: 'read', collection_id: doomed });
    expect(await mcpStatus(scoped.accessToken)).toBe(200);
    expect((await api.delete(`/api/v1/collections/${doomed}`, user.accessToken)).status).toBeLessThan(300);
    expect(await mcpStatus(scoped.accessToken)).toBe(401);
    expect((await refresh(scoped.clientId, scoped.refreshToken)).body.error).toBe('invalid_grant');
  });

  it('after the granted collection is deleted, the same browser is asked for consent again', async () => {
    const browser = new Browser();
    const doomed = await createCollection(api, user.accessToken, 'doomed again');
    const first = await obtainTokens(
      base,
      user.accessToken,
      { access: 'read', collection_id: doomed },
      browser,
    );
    expect((await api.delete(`/api/v1/collections/${doomed}`, user.accessToken)).status).toBeLessThan(300);
    const { challenge } = pkce();
    const again = await browser.follow(
      authorizationUrl(base, first.clientId, { code_challenge: challenge, code_challenge_method: 'S256' })
        .href,
      base,
    );
    expect(again.url).toContain('/oauth/consent/');
  });
});

describe('hostile input', () => {
  it('answers garbage on every OAuth endpoint with a 4xx RFC 6749 error', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const json = { 'content-type': 'application/json' };
    const requests: [string, string, Record<string, string>, string | undefined][] = [
      ['POST', '/oauth/token', form, 'grant_type=authorization_code&code=%00%ff&client_id=x'],
      [
        'POST',
        '/oauth/token',
        form,
        `grant_type=refresh_token&refresh_token=${'a'.repeat(5000)}&client_id=x`,
      ],
      ['POST', '/oauth/token', json, '{"grant_type":'],
      ['POST', '/oauth/token', form, 'grant_type=password&username=a&password=b'],
      ['POST', '/oauth/token', { 'content-type': 'text/plain' }, 'hello'],
      ['POST', '/oauth/register', json, '{"redirect_uris":"not an array"}'],
      ['POST', '/oauth/register', json, '{"redirect_uris":["javascript:alert(1)"]}'],
      ['POST', '/oauth/register', json, 'not json'],
      [
        'POST',
        '/oauth/register',
        json,
        JSON.stringify({ redirect_uris: [REDIRECT_URL], client_name: 'x'.repeat(100_000) }),
      ],
      ['POST', '/oauth/revoke', form, 'token=abc'],
      ['POST', '/oauth/revoke', form, 'token=%00&client_id=%00'],
      ['GET', '/oauth/authorize', {}, undefined],
      ['GET', '/oauth/authorize?client_id=%00&response_type=code', {}, undefined],
      ['GET', `/oauth/authorize?client_id=${'x'.repeat(3000)}`, {}, undefined],
      ['GET', '/oauth/authorize?client_id=https://127.0.0.1/x.json&response_type=code', {}, undefined],
      ['GET', '/oauth/authorize/not-an-interaction', {}, undefined],
      ['GET', '/oauth/nothing-here', {}, undefined],
      ['DELETE', '/oauth/token', {}, undefined],
    ];
    for (const [method, path, headers, body] of requests) {
      const response = await fetch(`${base}${path}`, { method, headers, body, redirect: 'manual' });
      const text = await response.text();
      const label = `${method} ${path.slice(0, 80)} → ${response.status} ${text.slice(0, 200)}`;
      expect(response.status, label).toBeGreaterThanOrEqual(400);
      expect(response.status, label).toBeLessThan(500);
      expect(text.startsWith('{'), label).toBe(true);
      expect(typeof JSON.parse(text).error, label).toBe('string');
    }
  });

  it('answers garbage on the consent and grants APIs with 4xx API errors', async () => {
    const token = user.accessToken;
    const cases = [
      await api.get('/api/v1/oauth/interactions/unknown', token),
      await api.get(`/api/v1/oauth/interactions/${'%00'.repeat(3)}`, token),
      await api.post(
        '/api/v1/oauth/interactions/unknown/approve',
        { access: 'read', collection_id: null },
        token,
      ),
      await api.post('/api/v1/oauth/interactions/unknown/approve', { access: 'admin' }, token),
      await api.post('/api/v1/oauth/interactions/unknown/deny', undefined, token),
      await api.get('/api/v1/oauth/grants?limit=-1', token),
      await api.delete('/api/v1/oauth/grants/unknown', token),
      await api.get('/api/v1/oauth/grants'),
    ];
    for (const response of cases) {
      expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(400);
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
      expect(typeof response.body.detail.code).toBe('string');
    }
  });
});

describe('dynamic registration', () => {
  it('is rate-limited per client IP, answering an RFC 6749 error', async () => {
    const limited = await startTestServer({
      EMBEDDING_WORKERS: '1',
      RATE_LIMIT_OAUTH_REGISTER_PER_HOUR: '2',
    });
    try {
      expect((await registerClient(limited.url)).status).toBe(201);
      expect((await registerClient(limited.url)).status).toBe(201);
      const third = await registerClient(limited.url);
      expect(third.status).toBe(429);
      expect(third.body.error).toBe('temporarily_unavailable');
    } finally {
      await limited.close();
    }
  }, 60_000);
});
