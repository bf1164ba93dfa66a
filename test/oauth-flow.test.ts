import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthStore } from '../src/db/schema.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { connectMcp, toolNames } from './helpers/mcp.js';
import { connectWithOAuth, REDIRECT_URL } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let api: ApiClient;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  api = new ApiClient(server.url);
  user = await createUser(api, 'oauthflow');
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('an MCP client that knows only the /mcp URL', () => {
  it('registers dynamically, gets consent through the JSON API and calls tools', async () => {
    let details: any;
    const { client, provider } = await connectWithOAuth(
      `${server.url}/mcp`,
      user.accessToken,
      { access: 'read_write', collection_id: null },
      undefined,
      (seen) => {
        details = seen;
      },
    );
    // What the consent page shows.
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      client: {
        client_name: 'Test MCP client',
        client_host: '127.0.0.1:53682',
        redirect_uri: REDIRECT_URL,
        client_uri: null,
        logo_uri: null,
        registration: 'dynamic',
      },
      requested_scopes: ['read', 'write'],
      resource: `${server.url}/mcp`,
      previous_grant: null,
    });
    expect(typeof details.body.client.client_id).toBe('string');
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('list_collections_tool');
    const result = await client.callTool({ name: 'list_collections_tool', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(provider.tokens()?.refresh_token).toBeTruthy();
    const grants = await api.get('/api/v1/oauth/grants', user.accessToken);
    expect(grants.body.total).toBe(1);
    expect(grants.body.grants[0]).toMatchObject({ client_name: 'Test MCP client', access: 'read_write' });
    // The access token expires: the client refreshes by itself (rotating the refresh token) and goes on.
    const before = provider.tokens();
    await server.handle.db
      .update(oauthStore)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(and(eq(oauthStore.kind, 'AccessToken'), eq(oauthStore.id, String(before?.access_token))));
    const fresh = new Client({ name: 'oauth-test', version: '1.0.0' });
    await fresh.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: provider }),
    );
    expect((await fresh.listTools()).tools.length).toBeGreaterThan(0);
    expect(provider.tokens()?.access_token).not.toBe(before?.access_token);
    expect(provider.tokens()?.refresh_token).not.toBe(before?.refresh_token);
    await fresh.close();

    // A 2025-era client with the same token.
    const token = String(provider.tokens()?.access_token);
    const legacy = await connectMcp(server.url, token, '2025-06-18');
    expect(await toolNames(legacy)).toContain('store_document_tool');
    await legacy.close();
    // Disconnecting stops the client at once.
    const grantId = grants.body.grants[0].id;
    expect((await api.delete(`/api/v1/oauth/grants/${grantId}`, user.accessToken)).status).toBe(204);
    await expect(client.listTools()).rejects.toThrow();
    await client.close();
  }, 60_000);

  it('with the same client asking again, the consent page shows the previous grant', async () => {
    const first = await connectWithOAuth(`${server.url}/mcp`, user.accessToken, {
      access: 'read',
      collection_id: user.defaultCollectionId,
    });
    await first.client.close();
    let details: any;
    const provider = first.provider;
    provider.saveTokens(undefined as never);
    const again = await connectWithOAuth(
      `${server.url}/mcp`,
      user.accessToken,
      { access: 'read', collection_id: user.defaultCollectionId },
      provider,
      (seen) => {
        details = seen;
      },
    );
    expect(details.body.previous_grant).toEqual({ access: 'read', collection_id: user.defaultCollectionId });
    await again.client.close();
  }, 60_000);
});

describe('with OAUTH_ENABLED=false', () => {
  it('serves no authorization server', async () => {
    const off = await startTestServer({ EMBEDDING_WORKERS: '1', OAUTH_ENABLED: 'false' });
    try {
      const metadata = await fetch(`${off.url}/.well-known/oauth-protected-resource/mcp`);
      expect(((await metadata.json()) as Record<string, unknown>).authorization_servers).toBeUndefined();
      expect((await fetch(`${off.url}/.well-known/oauth-authorization-server`)).status).toBe(404);
      const challenge = (await fetch(`${off.url}/mcp`, { method: 'POST' })).headers.get('www-authenticate');
      expect(challenge).not.toContain('scope=');
    } finally {
      await off.close();
    }
  }, 60_000);
});
