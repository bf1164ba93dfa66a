import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './helpers/client.js';
import {
  ALL_TOOLS,
  CURRENT_PROTOCOL,
  call,
  connectMcp,
  createTenant,
  initializeRequest,
  ok,
  type Protocol,
  postMcp,
  str,
  type Tenant,
  toolNames,
} from './helpers/mcp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The HTTP face of /mcp: authentication challenge, metadata, Origin checks, both protocol generations. */

const PUBLIC_URL = 'https://memory.example.com';
const TRUSTED_APP = 'https://app.example.com';

let server: TestServer;
let api: ApiClient;
let tenant: Tenant;

beforeAll(async () => {
  server = await startTestServer({
    EMBEDDING_WORKERS: '1',
    PUBLIC_URL,
    CORS_ORIGINS: `${TRUSTED_APP}, not a url`,
  });
  api = new ApiClient(server.url);
  tenant = await createTenant(api, 'mcphttp');
});
afterAll(() => server?.close());

const metadataUrl = `${PUBLIC_URL}/.well-known/oauth-protected-resource/mcp`;

describe('authentication', () => {
  it('answers a request without credentials with 401 and a challenge naming the metadata', async () => {
    const response = await postMcp(server.url, initializeRequest());
    expect(response.status).toBe(401);
    // No credentials: no error code (RFC 6750 §3.1), just where to learn how to get one (RFC 9728).
    // With the scopes to ask this server's OAuth authorization server for.
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${metadataUrl}", scope="read write"`,
    );
    expect(JSON.parse(response.text)).toMatchObject({ error: 'invalid_token' });
  });

  it('answers a bad token with 401 invalid_token, on every method', async () => {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const response = await fetch(`${server.url}/mcp`, {
        method,
        headers: { authorization: 'Bearer pat_live_not-a-real-token', 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify(initializeRequest()) } : {}),
      });
      expect(response.status, method).toBe(401);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain(`resource_metadata="${metadataUrl}"`);
      expect(challenge).toContain('error="invalid_token"');
    }
  });

  it('does not take the admin API key as a bearer credential', async () => {
    const response = await postMcp(server.url, initializeRequest(), {
      authorization: 'Bearer test-admin-key',
    });
    expect(response.status).toBe(401);
  });

  it('serves the RFC 9728 protected-resource metadata', async () => {
    const response = await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: `${PUBLIC_URL}/mcp`,
      bearer_methods_supported: ['header'],
      resource_name: 'ainstruct',
      authorization_servers: [new URL(PUBLIC_URL).origin],
      scopes_supported: ['read', 'write'],
    });
  });
});

describe('Origin (DNS-rebinding protection)', () => {
  const initialize = (headers: Record<string, string>) =>
    postMcp(server.url, initializeRequest(), { authorization: `Bearer ${tenant.pat}`, ...headers });

  it('accepts requests without an Origin (non-browser clients)', async () => {
    expect((await initialize({})).status).toBe(200);
  });

  it('accepts PUBLIC_URL, CORS_ORIGINS and its own loopback origin', async () => {
    const own = new URL(server.url).origin;
    for (const origin of [PUBLIC_URL, TRUSTED_APP, own]) {
      expect((await initialize({ origin })).status, origin).toBe(200);
    }
  });

  it('refuses any other Origin with 403, before looking at credentials', async () => {
    const port = new URL(server.url).port;
    for (const origin of [
      'http://evil.example.com',
      'null',
      `http://localhost:${Number(port) + 1}`,
      'file://x',
    ]) {
      const response = await initialize({ origin });
      expect(response.status, origin).toBe(403);
      expect(JSON.parse(response.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    }
    const anonymous = await postMcp(server.url, initializeRequest(), { origin: 'http://evil.example.com' });
    expect(anonymous.status).toBe(403);
  });

  it('refuses a rebinding page whose Host and Origin agree on a foreign name', async () => {
    const response = await initialize({ host: 'evil.example.com', origin: 'http://evil.example.com' });
    expect(response.status).toBe(403);
  });
});

describe('protocol generations, statelessly', () => {
  const cases: [Protocol, string][] = [
    ['current', CURRENT_PROTOCOL],
    ['2025-11-25', '2025-11-25'],
    ['2025-06-18', '2025-06-18'],
  ];

  for (const [protocol, expected] of cases) {
    describe(`a client speaking ${expected}`, () => {
      let client: Client;
      beforeAll(async () => {
        client = await connectMcp(server.url, tenant.pat, protocol);
      });
      afterAll(() => client?.close());

      it('negotiates its revision and sees the server and its instructions', () => {
        expect(client.getNegotiatedProtocolVersion()).toBe(expected);
        expect(client.getServerVersion()?.name).toBe('ainstruct');
        expect(client.getInstructions()).toContain('store_document_tool');
      });

      it('lists every tool (the original 16 and get_job_tool) and calls them with structured results', async () => {
        expect(await toolNames(client)).toEqual(ALL_TOOLS);
        const created = ok(await call(client, 'create_collection_tool', { name: `proto ${expected}` }));
        const fetched = ok(
          await call(client, 'get_collection_tool', { collection_id: created.collection_id }),
        );
        expect(fetched).toMatchObject({ name: `proto ${expected}`, document_count: 0 });
      });

      it('lists the document resource template', async () => {
        const { resourceTemplates } = await client.listResourceTemplates();
        expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['ainstruct://documents/{document_id}']);
      });

      it('answers an unknown tool with a protocol error, not a crash', async () => {
        await expect(call(client, 'no_such_tool')).rejects.toThrow(/not found/i);
        expect(ok(await call(client, 'list_collections_tool')).total).toBeGreaterThan(0);
      });
    });
  }

  it('serves a 2025-03-26 client too, without the content types it predates', async () => {
    const stored = await api.post(
      '/api/v1/documents',
      {
        title: 'Old client',
        content: 'Barometers predict the weather.',
        collection_id: tenant.mainCollectionId,
      },
      tenant.jwt,
    );
    expect(stored.status).toBe(201);
    const client = await connectMcp(server.url, tenant.pat, '2025-03-26');
    expect(client.getNegotiatedProtocolVersion()).toBe('2025-03-26');
    const result = await call(client, 'search_documents_tool', { query: 'barometers', mode: 'keyword' });
    expect(ok(result).results).toHaveLength(1);
    expect(result.content.map((block) => block.type)).toEqual(['text']);
    const modern = await connectMcp(server.url, tenant.pat);
    const linked = await call(modern, 'search_documents_tool', { query: 'barometers', mode: 'keyword' });
    expect(linked.content.map((block) => block.type)).toEqual(['text', 'resource_link']);
    await client.close();
    await modern.close();
  });

  it('answers ping from a 2025-era client', async () => {
    const client = await connectMcp(server.url, tenant.pat, '2025-06-18');
    await expect(client.ping()).resolves.toBeDefined();
    await client.close();
  });

  it('holds no session: a 2025-era tools/call needs no prior initialize on this instance', async () => {
    const response = await postMcp(
      server.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'list_collections_tool', arguments: {} },
      },
      { authorization: `Bearer ${tenant.pat}`, 'mcp-protocol-version': '2025-06-18' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('mcp-session-id')).toBeNull();
    expect(response.text).toContain('"collections"');
  });

  it('answers GET and DELETE (2025 session operations) with 405 in stateless mode', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${server.url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${tenant.pat}`, accept: 'text/event-stream' },
      });
      expect(response.status, method).toBe(405);
    }
  });
});

describe('malformed requests never crash the endpoint', () => {
  const auth = () => ({ authorization: `Bearer ${tenant.pat}` });

  it('answers invalid JSON with a JSON-RPC parse error', async () => {
    const response = await postMcp(server.url, '{"jsonrpc": "2.0", "method": ', auth());
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: -32700 } });
  });

  it('answers a non-JSON content type with 415', async () => {
    const response = await postMcp(server.url, 'hello', { ...auth(), 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
  });

  it('echoes the request id and still serves the next request', async () => {
    const response = await postMcp(server.url, initializeRequest(), {
      ...auth(),
      'x-request-id': 'mcp-req-1',
    });
    expect(response.headers.get('x-request-id')).toBe('mcp-req-1');
    const client = await connectMcp(server.url, tenant.pat);
    expect(
      str(ok(await call(client, 'get_collection_tool', { collection_id: tenant.mainCollectionId })).name),
    ).toBe('main');
    await client.close();
  });
});
