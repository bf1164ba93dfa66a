import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { connectWithOAuth } from './helpers/oauth.js';
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
    const { client, provider } = await connectWithOAuth(`${server.url}/mcp`, user.accessToken, {
      access: 'read_write',
      collection_id: null,
    });
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('list_collections_tool');
    const result = await client.callTool({ name: 'list_collections_tool', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(provider.tokens()?.refresh_token).toBeTruthy();
    const grants = await api.get('/api/v1/oauth/grants', user.accessToken);
    expect(grants.body.total).toBe(1);
    expect(grants.body.grants[0]).toMatchObject({ client_name: 'Test MCP client', access: 'read_write' });
    await client.close();
  }, 60_000);
});
