import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthGrants, oauthStore } from '../src/db/schema.js';
import { oauthRepository } from '../src/oauth/oauth.repository.js';
import { ApiClient, createUser, promote } from './helpers/client.js';
import { obtainTokens } from './helpers/oauth-raw.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Which issuer answers: PUBLIC_URL's, the loopback origin used, or none for any other Host. */

/** A GET with an explicit Host header (fetch does not let a caller set one). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let local: TestServer;
let proxied: TestServer;

beforeAll(async () => {
  local = await startTestServer({ EMBEDDING_WORKERS: '1' });
  proxied = await startTestServer({
    EMBEDDING_WORKERS: '1',
    PUBLIC_URL: 'https://memory.example.com',
    TRUST_PROXY: 'true',
  });
}, 120_000);

afterAll(async () => {
  await local?.close();
  await proxied?.close();
});

describe('the OAuth issuer', () => {
  it('is the loopback origin the request used, without PUBLIC_URL', async () => {
    const port = new URL(local.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const metadata = await getWithHost(`${local.url}/.well-known/oauth-authorization-server`, host);
      expect(metadata.status).toBe(200);
      expect(metadata.body.issuer).toBe(`http://${host}`);
      expect(metadata.body.client_id_metadata_document_supported).toBe(true);
      expect(metadata.body.code_challenge_methods_supported).toEqual(['S256']);
      expect(metadata.body.token_endpoint_auth_methods_supported).toContain('none');
    }
  });

  it('is refused on any other Host without PUBLIC_URL, and the resource names no server', async () => {
    const metadata = await getWithHost(`${local.url}/.well-known/oauth-authorization-server`, 'evil.example');
    expect(metadata.status).toBe(400);
    expect(metadata.body.error).toBe('invalid_request');
    expect(metadata.body.error_description).toContain('PUBLIC_URL');
    const resource = await getWithHost(
      `${local.url}/.well-known/oauth-protected-resource/mcp`,
      'evil.example',
    );
    expect(resource.body.authorization_servers).toBeUndefined();
  });

  it('is PUBLIC_URL behind a proxy, whatever the Host', async () => {
    const metadata = await getWithHost(
      `${proxied.url}/.well-known/oauth-authorization-server`,
      'internal:8000',
    );
    expect(metadata.body.issuer).toBe('https://memory.example.com');
    expect(metadata.body.token_endpoint).toBe('https://memory.example.com/oauth/token');
    expect(metadata.body.authorization_response_iss_parameter_supported).toBe(true);
    const resource = await getWithHost(`${proxied.url}/.well-known/oauth-protected-resource/mcp`, 'internal');
    expect(resource.body).toMatchObject({
      resource: 'https://memory.example.com/mcp',
      authorization_servers: ['https://memory.example.com'],
    });
  });

  it('serves the consent page unframeable (clickjacking)', async () => {
    const response = await fetch(`${local.url}/oauth/consent/some-uid`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('grants and stored OAuth rows', () => {
  it('end with their user, and expired or orphaned rows are swept', async () => {
    const api = new ApiClient(local.url);
    const person = await createUser(api, 'oauthgone');
    const tokens = await obtainTokens(local.url, person.accessToken, { access: 'read', collection_id: null });
    const db = local.handle.db;
    const rowsOfGrant = async () =>
      (await db.select().from(oauthStore)).filter((row) => row.grantId !== null);
    expect((await db.select().from(oauthGrants)).length).toBeGreaterThan(0);
    const admin = await createUser(api, 'oauthgoneadmin');
    await promote(api, admin.userId);
    const login = await api.post('/api/v1/auth/login', {
      username: admin.username,
      password: admin.password,
    });
    const deleted = await api.delete(`/api/v1/admin/users/${person.userId}`, login.body.access_token);
    expect(deleted.status).toBeLessThan(300);
    expect((await db.select().from(oauthGrants)).filter((g) => g.userId === person.userId)).toEqual([]);
    expect((await rowsOfGrant()).some((row) => row.payload.accountId === person.userId)).toBe(true);
    await oauthRepository.sweep(db, new Date(Date.now() + 1000));
    expect((await rowsOfGrant()).some((row) => row.payload.accountId === person.userId)).toBe(false);
    expect(
      (
        await fetch(`${local.url}/mcp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        })
      ).status,
    ).toBe(401);
  });
});
