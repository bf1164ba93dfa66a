import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { Client } from '@modelcontextprotocol/client';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, fastifyOptions } from '../src/app.js';
import { resolveJwtSecret } from '../src/auth/jwt-secret.js';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/context.js';
import { migrate } from '../src/db/migrate.js';
import { ensureEmbeddingModel } from '../src/modules/search/embedding-model.js';
import { createServices } from '../src/services.js';
import {
  ApiClient,
  type ApiResponse,
  createUser,
  expectError,
  promote,
  type TestUser,
} from './helpers/client.js';
import { createTestDatabase } from './helpers/database.js';
import { createCollection, storeNew } from './helpers/documents.js';
import { call, connectMcp, expectToolError, initializeRequest, ok, postMcp } from './helpers/mcp.js';
import { startTestServer, type TestServer, testEnv } from './helpers/server.js';

/**
 * Nothing a client sends may produce a 5xx: text PostgreSQL cannot store, impossible dates, races between
 * clients, malformed MCP messages, oversized bodies. Each answer is the client error it deserves, the same on
 * REST and MCP.
 */

let server: TestServer;
let api: ApiClient;
let user: TestUser;
let admin: TestUser;
let mcp: Client;

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  api = new ApiClient(server.url);
  user = await createUser(api, 'hostile');
  admin = await createUser(api, 'hostileadmin');
  await promote(api, admin.userId);
  mcp = await connectMcp(server.url, user.accessToken);
});
afterAll(async () => {
  await mcp?.close();
  await server?.close();
});

const BAD_TEXT = { NUL: 'a\u0000b', 'lone high surrogate': 'a\ud800b', 'lone low surrogate': 'a\udc00b' };
const BAD = Object.entries(BAD_TEXT);

/** Percent-encodes a value for a URL; a NUL survives as %00 (lone surrogates have no URL form at all). */
const inUrl = (value: string) => encodeURIComponent(value);

function expectFieldError(response: ApiResponse, location: string, field: string) {
  expectError(response, 422, 'VALIDATION_ERROR');
  expect(response.body.detail.errors, JSON.stringify(response.body)).toContainEqual(
    expect.objectContaining({ location, field }),
  );
}

describe('text PostgreSQL cannot store (NUL, lone surrogates)', () => {
  let documentId: string;
  let collectionId: string;
  beforeAll(async () => {
    documentId = await storeNew(api, user.accessToken, { title: 'target', content: 'hostile target text' });
    collectionId = await createCollection(api, user.accessToken, 'hostile-target');
  });

  for (const [kind, bad] of BAD) {
    describe(kind, () => {
      const token = () => user.accessToken;
      const cases: [string, () => Promise<ApiResponse>, string, string][] = [
        [
          'store title',
          () => api.post('/api/v1/documents', { title: bad, content: 'x' }, token()),
          'body',
          'title',
        ],
        [
          'store content',
          () => api.post('/api/v1/documents', { title: 't', content: bad }, token()),
          'body',
          'content',
        ],
        [
          'store nested metadata value',
          () =>
            api.post(
              '/api/v1/documents',
              { title: 't', content: 'm', metadata: { a: { b: ['ok', bad] } } },
              token(),
            ),
          'body',
          'metadata.a.b.1',
        ],
        [
          'update metadata key',
          () => api.patch(`/api/v1/documents/${documentId}`, { metadata: { [`k${bad}`]: 1 } }, token()),
          'body',
          `metadata.${JSON.stringify(`k${bad}`).slice(1, -1)}`,
        ],
        [
          'update title',
          () => api.patch(`/api/v1/documents/${documentId}`, { title: bad }, token()),
          'body',
          'title',
        ],
        [
          'search query',
          () => api.post('/api/v1/documents/search', { query: bad }, token()),
          'body',
          'query',
        ],
        [
          'search metadata filter',
          () => api.post('/api/v1/documents/search', { query: 'q', metadata: { tag: bad } }, token()),
          'body',
          'metadata.tag',
        ],
        [
          'register username',
          () =>
            api.post('/api/v1/auth/register', {
              username: bad,
              email: 'x@example.com',
              password: 'long enough pw',
            }),
          'body',
          'username',
        ],
        [
          'register email',
          () =>
            api.post('/api/v1/auth/register', {
              username: 'newbie',
              email: `${bad}@example.com`,
              password: 'long enough pw',
            }),
          'body',
          'email',
        ],
        [
          'register password',
          () =>
            api.post('/api/v1/auth/register', {
              username: 'newbie',
              email: 'n@example.com',
              password: `pw ${bad} long`,
            }),
          'body',
          'password',
        ],
        [
          'login username',
          () => api.post('/api/v1/auth/login', { username: bad, password: 'whatever1' }),
          'body',
          'username',
        ],
        [
          'login password',
          () => api.post('/api/v1/auth/login', { username: user.username, password: bad }),
          'body',
          'password',
        ],
        ['collection name', () => api.post('/api/v1/collections', { name: bad }, token()), 'body', 'name'],
        [
          'collection rename',
          () => api.patch(`/api/v1/collections/${collectionId}`, { name: bad }, token()),
          'body',
          'name',
        ],
        ['PAT label', () => api.post('/api/v1/auth/pat', { label: bad }, token()), 'body', 'label'],
        [
          'CAT label',
          () => api.post('/api/v1/auth/cat', { label: bad, collection_id: collectionId }, token()),
          'body',
          'label',
        ],
        [
          'admin user update',
          () =>
            api.patch(
              `/api/v1/admin/users/${user.userId}`,
              { email: `${bad}@example.com` },
              admin.accessToken,
            ),
          'body',
          'email',
        ],
      ];
      for (const [name, send, location, field] of cases) {
        it(`${name}: 422 naming ${location}.${field}`, async () => {
          expectFieldError(await send(), location, field);
        });
      }
    });
  }

  it('a NUL in a query string or path parameter: 422 naming it', async () => {
    const nul = inUrl(BAD_TEXT.NUL);
    expectFieldError(
      await api.get(`/api/v1/admin/users/search?query=${nul}`, admin.accessToken),
      'querystring',
      'query',
    );
    expectFieldError(
      await api.get(`/api/v1/documents?collection_id=${nul}`, user.accessToken),
      'querystring',
      'collection_id',
    );
    expectFieldError(await api.get(`/api/v1/documents/${nul}`, user.accessToken), 'params', 'document_id');
    expectFieldError(
      await api.delete(`/api/v1/collections/${nul}`, user.accessToken),
      'params',
      'collection_id',
    );
    expectFieldError(
      await api.get(`/api/v1/auth/cat?collection_id=${nul}`, user.accessToken),
      'querystring',
      'collection_id',
    );
  });

  it('the same text in MCP tool arguments: a VALIDATION_ERROR result naming the argument', async () => {
    for (const [, bad] of BAD) {
      const cases: [string, Record<string, unknown>, string][] = [
        ['store_document_tool', { title: bad, content: 'x' }, 'title'],
        ['store_document_tool', { title: 't', content: bad }, 'content'],
        [
          'store_document_tool',
          { title: 't', content: 'x', doc_metadata: { deep: { [`k${bad}`]: 1 } } },
          'doc_metadata.deep',
        ],
        [
          'update_document_tool',
          { document_id: documentId, doc_metadata: { list: [bad] } },
          'doc_metadata.list.0',
        ],
        ['search_documents_tool', { query: bad }, 'query'],
        ['search_documents_tool', { query: 'q', metadata: { a: bad } }, 'metadata.a'],
        ['get_document_tool', { document_id: bad }, 'document_id'],
        ['create_collection_tool', { name: bad }, 'name'],
        ['rename_collection_tool', { collection_id: collectionId, name: bad }, 'name'],
        ['create_collection_access_token_tool', { collection_id: collectionId, label: bad }, 'label'],
      ];
      for (const [tool, args, argument] of cases) {
        const error = expectToolError(await call(mcp, tool, args), 'VALIDATION_ERROR');
        const named = (error.errors as { argument: string }[]).map((e) => e.argument);
        expect(
          named.some((name) => name.startsWith(argument)),
          `${tool} ${JSON.stringify(named)}`,
        ).toBe(true);
      }
    }
  });

  it('refuses a metadata key named __proto__ on REST and MCP instead of storing metadata without it', async () => {
    // A computed key makes an own property, sent as JSON like any other key.
    const tricky = { ['__proto__']: { polluted: true }, kept: 1 };
    const rest = await api.post(
      '/api/v1/documents',
      { title: 'proto', content: 'p', metadata: tricky },
      user.accessToken,
    );
    expect(rest.status, JSON.stringify(rest.body)).toBeGreaterThanOrEqual(400);
    expect(rest.status).toBeLessThan(500);
    const error = expectToolError(
      await call(mcp, 'store_document_tool', { title: 'proto', content: 'p', doc_metadata: tricky }),
      'VALIDATION_ERROR',
    );
    expect(JSON.stringify(error)).toContain('__proto__');
    const search = expectToolError(
      await call(mcp, 'search_documents_tool', { query: 'p', metadata: tricky }),
      'VALIDATION_ERROR',
    );
    expect(JSON.stringify(search)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stores text PostgreSQL can hold, however unusual (properly paired surrogates, other controls)', async () => {
    const unusual = 'emoji 😀 \u0001 \u001f \ufffe \u200b end';
    const stored = await api.post(
      '/api/v1/documents',
      { title: 'unusual 😀', content: unusual, metadata: { '😀': unusual } },
      user.accessToken,
    );
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    const read = await api.get(`/api/v1/documents/${stored.body.document_id}`, user.accessToken);
    expect(read.body.content).toBe(unusual);
    expect(read.body.metadata).toEqual({ '😀': unusual });
  });
});

describe('dates', () => {
  const FIELDS = ['created_after', 'created_before', 'updated_after', 'updated_before'];
  const INVALID = [
    '0000-01-01T00:00:00Z',
    '0000-01-01',
    '10000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '2026-02-30',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:61:00Z',
    '2026-01-01T23:59:60Z',
    '2026-01-01T12:00:00+25:00',
    'yesterday',
    '',
  ];
  const VALID = [
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2024-02-29',
    '2026-01-31T12:00',
    '2026-01-31T12:00:00.123456789+05:30',
    '2026-01-31T12:00:00-0800',
  ];

  it('REST search refuses impossible and out-of-range dates with 422 naming the field', async () => {
    for (const field of FIELDS) {
      for (const value of INVALID) {
        const response = await api.post(
          '/api/v1/documents/search',
          { query: 'q', [field]: value },
          user.accessToken,
        );
        expectFieldError(response, 'body', field);
      }
    }
  });

  it('MCP search refuses the same dates, naming the argument', async () => {
    for (const field of FIELDS) {
      for (const value of INVALID) {
        const error = expectToolError(
          await call(mcp, 'search_documents_tool', { query: 'q', [field]: value }),
          'VALIDATION_ERROR',
        );
        expect(
          (error.errors as { argument: string }[]).map((e) => e.argument),
          value,
        ).toContain(field);
      }
    }
  });

  it('both accept the whole documented range and forms', async () => {
    for (const value of VALID) {
      const rest = await api.post(
        '/api/v1/documents/search',
        { query: 'q', mode: 'keyword', created_after: value },
        user.accessToken,
      );
      expect(rest.status, `${value} ${JSON.stringify(rest.body)}`).toBe(200);
      ok(await call(mcp, 'search_documents_tool', { query: 'q', mode: 'keyword', updated_before: value }));
    }
  });

  it('expected_updated_at is validated by the same schema on REST and MCP', async () => {
    const id = await storeNew(api, user.accessToken, { title: 'dated', content: 'dated content' });
    for (const value of ['0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z']) {
      expectFieldError(
        await api.patch(
          `/api/v1/documents/${id}`,
          { title: 'x', expected_updated_at: value },
          user.accessToken,
        ),
        'body',
        'expected_updated_at',
      );
      expectToolError(
        await call(mcp, 'update_document_tool', { document_id: id, title: 'x', expected_updated_at: value }),
        'VALIDATION_ERROR',
      );
    }
    const current = await api.get(`/api/v1/documents/${id}`, user.accessToken);
    const updated = await api.patch(
      `/api/v1/documents/${id}`,
      { title: 'renamed', expected_updated_at: current.body.updated_at },
      user.accessToken,
    );
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
  });
});

describe('races between clients', () => {
  const ROUNDS = 4;
  const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status).sort();
  const noServerErrors = (responses: ApiResponse[]) =>
    expect(responses.filter((r) => r.status >= 500).map((r) => JSON.stringify(r.body))).toEqual([]);

  it('two documents updated concurrently to the same content: one 200, one 409 DUPLICATE_CONTENT', async () => {
    const collection = await createCollection(api, user.accessToken, 'race-update');
    for (let round = 0; round < ROUNDS; round++) {
      const a = await storeNew(api, user.accessToken, {
        title: 'a',
        content: `first ${round}`,
        collection_id: collection,
      });
      const b = await storeNew(api, user.accessToken, {
        title: 'b',
        content: `second ${round}`,
        collection_id: collection,
      });
      const content = `the same new content ${round}`;
      const responses = await Promise.all([
        api.patch(`/api/v1/documents/${a}`, { content }, user.accessToken),
        api.patch(`/api/v1/documents/${b}`, { content }, user.accessToken),
      ]);
      expect(statuses(responses), JSON.stringify(responses.map((r) => r.body))).toEqual([200, 409]);
      expect(responses.find((r) => r.status === 409)?.body.detail.code).toBe('DUPLICATE_CONTENT');
    }
  });

  it('the same race through MCP: one success, one DUPLICATE_CONTENT result', async () => {
    const collection = await createCollection(api, user.accessToken, 'race-update-mcp');
    for (let round = 0; round < ROUNDS; round++) {
      const a = await storeNew(api, user.accessToken, {
        title: 'a',
        content: `mcp first ${round}`,
        collection_id: collection,
      });
      const b = await storeNew(api, user.accessToken, {
        title: 'b',
        content: `mcp second ${round}`,
        collection_id: collection,
      });
      const content = `mcp same new content ${round}`;
      const results = await Promise.all(
        [a, b].map((id) => call(mcp, 'update_document_tool', { document_id: id, content })),
      );
      expect(results.filter((r) => !r.isError)).toHaveLength(1);
      const refused = results.find((r) => r.isError);
      if (!refused) throw new Error('expected one refused update');
      expectToolError(refused, 'DUPLICATE_CONTENT');
    }
  });

  it('stores into a collection deleted meanwhile: 201 or 404, never 500', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const collection = await createCollection(api, user.accessToken, `doomed-${round}`);
      const stores = Array.from({ length: 6 }, (_, i) =>
        api.post(
          '/api/v1/documents',
          { title: 't', content: `doomed ${round} ${i}`, collection_id: collection },
          user.accessToken,
        ),
      );
      const [deleted, ...stored] = await Promise.all([
        api.delete(`/api/v1/collections/${collection}`, user.accessToken),
        ...stores,
      ]);
      expect(deleted?.status, JSON.stringify(deleted?.body)).toBe(200);
      noServerErrors(stored);
      for (const response of stored) {
        if (response.status !== 201) expectError(response, 404, 'COLLECTION_NOT_FOUND');
      }
      // Whatever was stored went with the collection.
      const left = await api.get(`/api/v1/documents?collection_id=${collection}`, user.accessToken);
      expectError(left, 404, 'COLLECTION_NOT_FOUND');
    }
  });

  it('moves into a collection deleted meanwhile: 200 or 404; into one with the same content: 409', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const target = await createCollection(api, user.accessToken, `move-target-${round}`);
      const ids = await Promise.all(
        [0, 1, 2].map((i) =>
          storeNew(api, user.accessToken, { title: 'm', content: `movable ${round} ${i}` }),
        ),
      );
      const [deleted, ...moved] = await Promise.all([
        api.delete(`/api/v1/collections/${target}`, user.accessToken),
        ...ids.map((id) =>
          api.post(`/api/v1/documents/${id}/move`, { target_collection_id: target }, user.accessToken),
        ),
      ]);
      expect(deleted?.status).toBe(200);
      noServerErrors(moved);
      for (const response of moved) {
        if (response.status !== 200) expectError(response, 404, 'COLLECTION_NOT_FOUND');
      }
    }
    const a = await createCollection(api, user.accessToken, 'twin-a');
    const b = await createCollection(api, user.accessToken, 'twin-b');
    const c = await createCollection(api, user.accessToken, 'twin-c');
    const inA = await storeNew(api, user.accessToken, {
      title: 'x',
      content: 'twin content',
      collection_id: a,
    });
    const inB = await storeNew(api, user.accessToken, {
      title: 'x',
      content: 'twin content',
      collection_id: b,
    });
    const moves = await Promise.all(
      [inA, inB].map((id) =>
        api.post(`/api/v1/documents/${id}/move`, { target_collection_id: c }, user.accessToken),
      ),
    );
    expect(statuses(moves)).toEqual([200, 409]);
    expect(moves.find((r) => r.status === 409)?.body.detail.code).toBe('DUPLICATE_CONTENT');
  });

  it('concurrent creates and renames to one name (ignoring case): one wins, the rest 409', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const created = await Promise.all(
        ['Shared', 'shared', 'SHARED', 'sHaReD', 'Shared', 'shared'].map((name) =>
          api.post('/api/v1/collections', { name: `${name}-${round}` }, user.accessToken),
        ),
      );
      expect(statuses(created)).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of created.filter((r) => r.status === 409)) expectError(r, 409, 'COLLECTION_NAME_EXISTS');

      const x = await createCollection(api, user.accessToken, `rename-x-${round}`);
      const y = await createCollection(api, user.accessToken, `rename-y-${round}`);
      const renamed = await Promise.all(
        [x, y].map((id, i) =>
          api.patch(
            `/api/v1/collections/${id}`,
            { name: i ? `Same-${round}` : `same-${round}` },
            user.accessToken,
          ),
        ),
      );
      expect(statuses(renamed)).toEqual([200, 409]);
    }
  });

  it('concurrent registrations of one username or email: one account, the others the usual refusal', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `racer${round}_${Math.random().toString(36).slice(2, 8)}`;
      const sameName = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          api.post('/api/v1/auth/register', {
            username: i % 2 ? name.toUpperCase() : name,
            email: `${name}${i}@example.com`,
            password: 'long enough pw',
          }),
        ),
      );
      expect(statuses(sameName)).toEqual([201, 400, 400, 400, 400]);
      for (const r of sameName.filter((r) => r.status === 400)) expectError(r, 400, 'USERNAME_EXISTS');
      const sameEmail = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          api.post('/api/v1/auth/register', {
            username: `${name}e${i}`,
            email: `${name}@Example.com`,
            password: 'long enough pw',
          }),
        ),
      );
      expect(statuses(sameEmail)).toEqual([201, 400, 400, 400, 400]);
      for (const r of sameEmail.filter((r) => r.status === 400)) expectError(r, 400, 'EMAIL_EXISTS');
    }
  });

  it('collection access tokens created while their collection is deleted: 201 or 404, never 500', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const collection = await createCollection(api, user.accessToken, `cat-doomed-${round}`);
      const responses = await Promise.all([
        api.delete(`/api/v1/collections/${collection}`, user.accessToken),
        ...[0, 1, 2].map((i) =>
          api.post('/api/v1/auth/cat', { label: `c${i}`, collection_id: collection }, user.accessToken),
        ),
      ]);
      noServerErrors(responses);
      const [deleted, ...cats] = responses;
      // The delete is refused while tokens exist, or goes first and the tokens find nothing.
      if (deleted?.status === 200) for (const r of cats) expectError(r, 404, 'COLLECTION_NOT_FOUND');
      else expectError(deleted as ApiResponse, 400, 'COLLECTION_HAS_ACTIVE_CATS');
    }
  });

  it('concurrent identical stores yield one document and duplicates, never 500', async () => {
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.post('/api/v1/documents', { title: 'same', content: 'stored by many at once' }, user.accessToken),
      ),
    );
    noServerErrors(responses);
    expect(new Set(responses.map((r) => r.body.document_id)).size).toBe(1);
  });
});

describe('MCP protocol errors', () => {
  const headers = () => ({ authorization: `Bearer ${user.accessToken}` });

  /** The JSON-RPC error of a raw POST, whether answered as JSON or as one SSE event. */
  async function rpcError(body: unknown): Promise<{ code: number; message: string }> {
    const response = await postMcp(server.url, body, headers());
    expect(response.status).toBeLessThan(500);
    const json = response.text.startsWith('{')
      ? response.text
      : (/^data: (.*)$/m.exec(response.text)?.[1] ?? '');
    const parsed = JSON.parse(json) as { error?: { code: number; message: string } };
    if (!parsed.error) throw new Error(`expected a JSON-RPC error, got ${response.text}`);
    return parsed.error;
  }

  /** A clean message: one line, no zod issue dump, no stack, no SQL. */
  function expectClean(message: string) {
    expect(message).not.toMatch(/\n|"code":|invalid_type|\bat .+:\d+:\d+|select |insert |Failed query/i);
  }

  const init = initializeRequest();
  const cases: [string, unknown, number][] = [
    ['initialize without params', { jsonrpc: '2.0', id: 1, method: 'initialize' }, -32602],
    [
      'initialize with a numeric protocolVersion',
      { ...init, params: { ...init.params, protocolVersion: 5 } },
      -32602,
    ],
    [
      'initialize with clientInfo a string',
      { ...init, params: { ...init.params, clientInfo: 'me' } },
      -32602,
    ],
    [
      'resources/read with a numeric uri',
      { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 5 } },
      -32602,
    ],
    [
      'resources/read of an unknown document',
      { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'ainstruct://documents/nope' } },
      -32602,
    ],
    [
      'resources/read of a foreign URI',
      { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///etc/passwd' } },
      -32602,
    ],
    [
      'resources/read of a NUL document id',
      { jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'ainstruct://documents/%00' } },
      -32602,
    ],
    [
      'tools/call of an unknown tool',
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'nope_tool' } },
      -32602,
    ],
    [
      'tools/call with non-object arguments',
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_document_tool', arguments: 5 } },
      -32602,
    ],
    ['an unknown method', { jsonrpc: '2.0', id: 4, method: 'no/such/method' }, -32601],
    ['a message that is not JSON-RPC', { jsonrpc: '2.0' }, -32600],
    ['an empty batch', [], -32600],
    ['malformed JSON', '{"jsonrpc": "2.0", "id": 1, "method": ', -32700],
  ];
  for (const [name, body, code] of cases) {
    it(`${name}: ${code}`, async () => {
      const error = await rpcError(body);
      expect(error.code, error.message).toBe(code);
      expectClean(error.message);
    });
  }

  it('the official client sees the same codes', async () => {
    await expect(mcp.readResource({ uri: 'ainstruct://documents/nope' })).rejects.toMatchObject({
      code: -32602,
    });
    await expect(mcp.callTool({ name: 'nope_tool', arguments: {} })).rejects.toMatchObject({ code: -32602 });
  });
});

describe('a 500 that still happens', () => {
  it('logs the request id and the error, never the SQL parameters or document text', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const config = loadConfig({ ...testEnv({ LOG_LEVEL: 'info', EMBEDDING_WORKERS: '1' }) });
    const database = await createTestDatabase();
    const handle = await database.open();
    const options = fastifyOptions(config);
    const app = Fastify({ ...options, logger: { ...options.logger, stream } });
    const embedder = server.ctx.embedder;
    try {
      await migrate(handle.db);
      await ensureEmbeddingModel(handle.db, embedder);
      const ctx = buildContext({
        config,
        handle,
        embedder,
        log: app.log,
        jwtSecret: resolveJwtSecret(config),
      });
      await createApp({ ctx, services: createServices(ctx), app });
      const secret = 'SECRET DOCUMENT TEXT';
      const vector = '[0.123456,0.654321]';
      // A test-only route with a programming error: a query against a table that does not exist.
      app.get('/test/broken', async () => {
        await ctx.db.execute(sql`select * from no_such_table where content = ${secret} and v = ${vector}`);
        return {};
      });
      const response = await app.inject({
        method: 'GET',
        url: '/test/broken',
        headers: { 'x-request-id': 'req-500-check' },
      });
      expect(response.statusCode).toBe(500);
      expect(response.json().detail).toMatchObject({ code: 'INTERNAL_ERROR', request_id: 'req-500-check' });
      const logged = lines.filter((line) => line.includes('"level":50'));
      expect(logged.length).toBeGreaterThan(0);
      const line = logged.join('\n');
      expect(line).toContain('req-500-check');
      expect(line).toContain('no_such_table');
      expect(line).not.toContain(secret);
      expect(line).not.toContain('0.123456');
      expect(line).not.toMatch(/"params"/);

      // One line per request, at the level its outcome deserves: a 500 at error, a 404 at info, a success
      // only at debug (not at the default info), never Fastify's two lines per request.
      const requestLines = () => lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      expect(requestLines()).toMatchObject([{ level: 50, status: 500, reqId: 'req-500-check' }]);
      await app.inject({ method: 'GET', url: '/health' });
      await app.inject({
        method: 'GET',
        url: '/api/v1/no-such-route?x=1',
        headers: { authorization: 'Bearer pat_live_secret' },
      });
      expect(requestLines()).toMatchObject([
        { level: 50, status: 500 },
        { level: 30, status: 404, method: 'GET', url: '/api/v1/no-such-route?x=1' },
      ]);
      expect(lines.join('\n')).not.toContain('pat_live_secret');
      expect(lines.some((l) => l.includes('incoming request') || l.includes('request completed'))).toBe(
        false,
      );
    } finally {
      await app.close();
      await handle.close();
      await database.drop();
    }
  });
});

describe('oversized bodies', () => {
  const LIMIT = 4096;
  let small: TestServer;
  let token: string;
  beforeAll(async () => {
    small = await startTestServer({ EMBEDDING_WORKERS: '1', MAX_BODY_BYTES: String(LIMIT) });
    token = (await createUser(new ApiClient(small.url), 'big')).accessToken;
  });
  afterAll(() => small?.close());

  const ROUTES = ['/api/v1/documents', '/api/v1/auth/login', '/mcp', '/v1/embeddings'];

  /** One POST on a keep-alive agent, streaming `size` bytes of a JSON string as the body. */
  function streamingPost(agent: http.Agent, path: string, size: number, lengthKnown: boolean) {
    return new Promise<{ status: number; body: string; reused: boolean }>((resolve, reject) => {
      const prefix = '{"title":"t","content":"';
      const suffix = '"}';
      const total = prefix.length + size + suffix.length;
      const request = http.request(
        `${small.url}${path}`,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(lengthKnown ? { 'content-length': String(total) } : {}),
          },
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body, reused: request.reusedSocket }),
          );
          response.on('error', reject);
        },
      );
      // Writing into a closed socket after the answer is expected; the answer is what counts.
      request.on('error', (error) => reject(error));
      const chunk = 'y'.repeat(16 * 1024);
      let sent = 0;
      request.write(prefix);
      const pump = () => {
        while (sent < size) {
          const piece = chunk.slice(0, Math.min(chunk.length, size - sent));
          sent += piece.length;
          if (!request.write(piece)) {
            request.once('drain', pump);
            return;
          }
        }
        request.end(suffix);
      };
      pump();
    });
  }

  for (const path of ROUTES) {
    it(`${path}: the 413 arrives on a keep-alive connection, every time, small and large overflows`, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const reused: boolean[] = [];
        for (const size of [2 * LIMIT, 500 * LIMIT]) {
          for (const lengthKnown of [true, false]) {
            for (let attempt = 0; attempt < 3; attempt++) {
              const response = await streamingPost(agent, path, size, lengthKnown);
              expect(response.status, `${size} ${lengthKnown} ${response.body}`).toBe(413);
              expect(response.body).toMatch(/PAYLOAD_TOO_LARGE|Payload Too Large/);
              reused.push(response.reused);
            }
          }
        }
        // The body was read to its end, so the connection stayed open for the next request.
        expect(reused.slice(1).every(Boolean), JSON.stringify(reused)).toBe(true);
      } finally {
        agent.destroy();
      }
    });
  }

  it('a client that reads only once it has sent its whole body (as curl does) still gets the 413', async () => {
    const port = Number(new URL(small.url).port);
    for (const path of ROUTES) {
      for (const chunked of [true, false]) {
        const received = await new Promise<string>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          let data = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk) => {
            data += chunk;
          });
          socket.on('error', (error) => {
            data += `[${error.message}]`;
          });
          socket.on('close', () => resolve(data));
          socket.on('connect', () => {
            // More than socket buffers absorb, less than the server drains (DRAIN_LIMITS).
            const total = 12 * 1024 * 1024;
            socket.pause();
            socket.write(
              `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
                'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
                `${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`}\r\nConnection: close\r\n\r\n`,
            );
            const piece = 'y'.repeat(64 * 1024);
            let sent = 0;
            const pump = () => {
              while (sent < total) {
                sent += piece.length;
                const written = socket.write(
                  chunked ? `${piece.length.toString(16)}\r\n${piece}\r\n` : piece,
                );
                if (!written) {
                  socket.once('drain', pump);
                  return;
                }
              }
              socket.write(chunked ? '0\r\n\r\n' : '', () => socket.resume());
            };
            pump();
            setTimeout(() => socket.destroy(), 10_000);
          });
        });
        expect(received.split('\r\n')[0], `${path} ${chunked}: ${received.slice(0, 200)}`).toBe(
          'HTTP/1.1 413 Payload Too Large',
        );
        expect(received, path).not.toMatch(/EPIPE|ECONNRESET/);
      }
    }
  });

  it('a raw client that keeps sending after the limit still reads the whole 413 answer', async () => {
    const port = Number(new URL(small.url).port);
    for (const path of ROUTES.flatMap((route) => [route, route, route])) {
      const received = await new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        let data = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk) => {
          data += chunk;
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve(data));
        socket.on('connect', () => {
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
              'Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n' +
              'Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n',
          );
          const piece = 'y'.repeat(32 * 1024);
          let sent = 0;
          const pump = () => {
            while (!socket.destroyed && sent < 64 * 1024 * 1024) {
              sent += piece.length;
              if (!socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`)) {
                socket.once('drain', pump);
                return;
              }
            }
          };
          pump();
          setTimeout(() => socket.destroy(), 5000);
        });
      });
      expect(received.split('\r\n')[0], path).toBe('HTTP/1.1 413 Payload Too Large');
      expect(received, path).toMatch(/Payload Too Large|PAYLOAD_TOO_LARGE/);
    }
  });
});

describe('requests the HTTP parser rejects before routing', () => {
  /** Sends raw bytes and returns everything the server answers before it closes the connection. */
  function raw(bytes: string) {
    const port = Number(new URL(server.url).port);
    return new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(data));
      socket.on('connect', () => socket.write(bytes));
      setTimeout(() => socket.destroy(), 10_000);
    });
  }

  const parse = (answer: string) => {
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    return { status: head.split('\r\n')[0], head, body: JSON.parse(body) as { detail: { code: string } } };
  };

  it('headers over the limit get a 431 in the API error shape, on REST and MCP paths', async () => {
    for (const path of ['/api/v1/documents', '/mcp']) {
      const answer = parse(
        await raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20 * 1024)}\r\n\r\n`),
      );
      expect(answer.status, path).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(answer.head.toLowerCase()).toContain('connection: close');
      expect(answer.body.detail.code).toBe('HEADERS_TOO_LARGE');
    }
  });

  it('bytes that are not HTTP get a 400 in the API error shape, and the server keeps serving', async () => {
    for (const garbage of ['\u0001\u0002\u0003 nonsense\r\n\r\n', 'GET / HTTP/1.1\r\nHost x\r\n\r\n']) {
      const answer = parse(await raw(garbage));
      expect(answer.status).toBe('HTTP/1.1 400 Bad Request');
      expect(answer.body.detail.code).toBe('BAD_REQUEST');
    }
    expect((await api.get('/health', user.accessToken)).status).toBe(200);
  });
});
