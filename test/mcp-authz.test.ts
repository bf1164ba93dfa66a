import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTools } from '../src/mcp/server.js';
import { ApiClient, createUser, promote, type TestUser } from './helpers/client.js';
import { createCollection, createPat, storeNew } from './helpers/documents.js';
import {
  ALL_TOOLS,
  call,
  connectMcp,
  createDeadCredentials,
  createTenant,
  type Data,
  type DeadCredentials,
  DOCUMENT_READ_TOOLS,
  DOCUMENT_WRITE_TOOLS,
  expectToolError,
  initializeRequest,
  list,
  ok,
  type Protocol,
  postMcp,
  str,
  type Tenant,
  toolNames,
  USER_READ_TOOLS,
} from './helpers/mcp.js';
import type { Approval } from './helpers/oauth.js';
import { obtainTokens } from './helpers/oauth-raw.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The authorization matrix: every tool, called by every kind of credential. What tools/list shows comes from
 * the access policy, and each call is decided again by the services; nothing reaches past its owner or
 * collection (the original's holes, original-behaviour.md §3.5 and §7.1, must not exist).
 */

type BaseCredential = 'jwt' | 'pat' | 'readPat' | 'catRead' | 'catReadWrite' | 'stranger';
/** OAuth access tokens, each granted the scope of a PAT or CAT: they must behave exactly like it. */
type OAuthCredential = 'oauthAccount' | 'oauthAccountRead' | 'oauthCollection' | 'oauthCollectionRead';
type Credential = BaseCredential | OAuthCredential;
const OAUTH_EQUIVALENT: Record<OAuthCredential, BaseCredential> = {
  oauthAccount: 'pat',
  oauthAccountRead: 'readPat',
  oauthCollection: 'catReadWrite',
  oauthCollectionRead: 'catRead',
};
const equivalent = (credential: Credential): BaseCredential =>
  credential in OAUTH_EQUIVALENT
    ? OAUTH_EQUIVALENT[credential as OAuthCredential]
    : (credential as BaseCredential);
const CREDENTIALS: Credential[] = [
  'jwt',
  'pat',
  'readPat',
  'catRead',
  'catReadWrite',
  'stranger',
  'oauthAccount',
  'oauthAccountRead',
  'oauthCollection',
  'oauthCollectionRead',
];

const BASE_LISTED: Record<BaseCredential, string[]> = {
  jwt: ALL_TOOLS,
  pat: ALL_TOOLS,
  stranger: ALL_TOOLS,
  readPat: [...DOCUMENT_READ_TOOLS, ...USER_READ_TOOLS].sort(),
  catReadWrite: [...DOCUMENT_READ_TOOLS, ...DOCUMENT_WRITE_TOOLS].sort(),
  catRead: [...DOCUMENT_READ_TOOLS].sort(),
};
const LISTED = Object.fromEntries(CREDENTIALS.map((c) => [c, BASE_LISTED[equivalent(c)]])) as Record<
  Credential,
  string[]
>;

let server: TestServer;
let api: ApiClient;
let owner: Tenant;
let stranger: TestUser;
let dead: DeadCredentials;
const clients = new Map<Credential, Client>();
let sharedDocumentId: string;
let counter = 0;

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  api = new ApiClient(server.url);
  owner = await createTenant(api, 'mcpowner');
  stranger = await createUser(api, 'mcpstranger');
  dead = await createDeadCredentials(api, server.handle.db);
  sharedDocumentId = await storeNew(api, owner.jwt, {
    title: 'Matrix shared',
    content: 'The matrix document about lighthouses, shared by every read case.',
    collection_id: owner.mainCollectionId,
  });
  const tokens: Record<Credential, string> = {
    jwt: owner.jwt,
    pat: owner.pat,
    readPat: owner.readPat,
    catRead: owner.catRead,
    catReadWrite: owner.catReadWrite,
    stranger: stranger.accessToken,
    oauthAccount: await oauthToken({ access: 'read_write', collection_id: null }),
    oauthAccountRead: await oauthToken({ access: 'read', collection_id: null }),
    oauthCollection: await oauthToken({ access: 'read_write', collection_id: owner.mainCollectionId }),
    oauthCollectionRead: await oauthToken({ access: 'read', collection_id: owner.mainCollectionId }),
  };
  for (const credential of CREDENTIALS)
    clients.set(credential, await connectMcp(server.url, tokens[credential]));
});

afterAll(async () => {
  for (const client of clients.values()) await client.close();
  await server?.close();
});

/** An OAuth access token the owner granted through the consent API. */
async function oauthToken(approval: Approval): Promise<string> {
  return (await obtainTokens(server.url, owner.jwt, approval)).accessToken;
}

function clientFor(credential: Credential): Client {
  const client = clients.get(credential);
  if (!client) throw new Error(`no client for ${credential}`);
  return client;
}

const unique = (prefix: string) => {
  counter += 1;
  return `${prefix} ${counter} ${Math.random().toString(36).slice(2, 8)}`;
};

/** Fresh targets owned by the owner, in the collection the owner's CATs reach. */
const freshDocument = (collectionId = owner.mainCollectionId) =>
  storeNew(api, owner.jwt, {
    title: unique('Matrix doc'),
    content: `${unique('Matrix content')}: tide pools and kelp forests.`,
    collection_id: collectionId,
  });
const freshCollection = () => createCollection(api, owner.jwt, unique('matrix'));

async function freshCat(): Promise<{ id: string; token: string }> {
  const response = await api.post(
    '/api/v1/auth/cat',
    { label: unique('matrix cat'), collection_id: owner.mainCollectionId, permission: 'read' },
    owner.jwt,
  );
  if (response.status !== 201) throw new Error(`create CAT failed: ${JSON.stringify(response.body)}`);
  return { id: str(response.body.cat_id), token: str(response.body.token) };
}

/** Owner-side views, through REST, to check a refused call changed nothing. */
async function ownerDocument(id: unknown) {
  return api.get(`/api/v1/documents/${str(id)}`, owner.jwt);
}
async function ownerDocumentTitles(): Promise<string[]> {
  const response = await api.get('/api/v1/documents?limit=100', owner.jwt);
  return list(response.body.documents).map((d) => str(d.title));
}
async function ownerCollectionNames(): Promise<string[]> {
  const response = await api.get('/api/v1/collections?limit=100', owner.jwt);
  return list(response.body.collections).map((c) => str(c.name));
}
async function ownerCats(): Promise<Data[]> {
  return list((await api.get('/api/v1/auth/cat', owner.jwt)).body.tokens);
}

type Outcome = 'ok' | 'unlisted' | string;

interface Case {
  tool: string;
  /** Arguments aimed at the owner's resources (fresh ones where a call may change them). */
  args(): Promise<Data>;
  /** What another user gets. */
  stranger: Outcome;
  /** Outcomes that differ from "listed → ok" for the owner's own credentials. */
  overrides?: Partial<Record<Credential, Outcome>>;
  /** After a refused call: the owner's data is untouched. */
  unchanged?(args: Data): Promise<void>;
  /** After a successful call: the result is the caller's own. */
  check?(data: Data, credential: Credential): void;
}

const CASES: Case[] = [
  {
    tool: 'store_document_tool',
    args: async () => ({
      title: unique('Stored'),
      content: unique('Stored by the matrix'),
      collection_id: owner.mainCollectionId,
    }),
    stranger: 'COLLECTION_NOT_FOUND',
    async unchanged(args) {
      expect(await ownerDocumentTitles()).not.toContain(args.title);
    },
    check: (data) => expect(data.collection_id).toBe(owner.mainCollectionId),
  },
  {
    tool: 'search_documents_tool',
    args: async () => ({ query: 'matrix lighthouses', collection_id: owner.mainCollectionId }),
    stranger: 'COLLECTION_NOT_FOUND',
    check: (data) => expect(list(data.results).map((r) => r.document_id)).toContain(sharedDocumentId),
  },
  {
    tool: 'get_document_tool',
    args: async () => ({ document_id: sharedDocumentId }),
    stranger: 'DOCUMENT_NOT_FOUND',
    check: (data) => expect(data.title).toBe('Matrix shared'),
  },
  {
    tool: 'list_documents_tool',
    args: async () => ({ collection_id: owner.mainCollectionId }),
    stranger: 'COLLECTION_NOT_FOUND',
    check: (data) => expect(list(data.documents).map((d) => d.document_id)).toContain(sharedDocumentId),
  },
  {
    tool: 'update_document_tool',
    args: async () => ({ document_id: await freshDocument(), title: unique('Changed') }),
    stranger: 'DOCUMENT_NOT_FOUND',
    async unchanged(args) {
      const current = await ownerDocument(args.document_id);
      expect(current.status).toBe(200);
      expect(current.body.title).not.toBe(args.title);
    },
  },
  {
    tool: 'move_document_tool',
    args: async () => ({ document_id: await freshDocument(), target_collection_id: owner.otherCollectionId }),
    stranger: 'DOCUMENT_NOT_FOUND',
    async unchanged(args) {
      expect((await ownerDocument(args.document_id)).body.collection_id).toBe(owner.mainCollectionId);
    },
  },
  {
    tool: 'delete_document_tool',
    args: async () => ({ document_id: await freshDocument() }),
    stranger: 'DOCUMENT_NOT_FOUND',
    async unchanged(args) {
      expect((await ownerDocument(args.document_id)).status).toBe(200);
    },
  },
  {
    tool: 'create_collection_tool',
    args: async () => ({ name: unique('Created') }),
    stranger: 'ok',
    async unchanged(args) {
      expect(await ownerCollectionNames()).not.toContain(args.name);
    },
    check(data, credential) {
      if (credential === 'stranger') expect(data.name).toMatch(/^Created/);
    },
  },
  {
    tool: 'list_collections_tool',
    args: async () => ({}),
    stranger: 'ok',
    check(data, credential) {
      const ids = list(data.collections).map((c) => c.collection_id);
      if (credential === 'stranger') expect(ids).not.toContain(owner.mainCollectionId);
      else expect(ids).toContain(owner.mainCollectionId);
    },
  },
  {
    tool: 'get_collection_tool',
    args: async () => ({ collection_id: owner.mainCollectionId }),
    stranger: 'COLLECTION_NOT_FOUND',
    check: (data) => expect(data.name).toBe('main'),
  },
  {
    tool: 'rename_collection_tool',
    args: async () => ({ collection_id: await freshCollection(), name: unique('Renamed') }),
    stranger: 'COLLECTION_NOT_FOUND',
    async unchanged(args) {
      expect(await ownerCollectionNames()).not.toContain(args.name);
    },
  },
  {
    tool: 'delete_collection_tool',
    args: async () => ({ collection_id: await freshCollection() }),
    stranger: 'COLLECTION_NOT_FOUND',
    async unchanged(args) {
      expect((await api.get(`/api/v1/collections/${str(args.collection_id)}`, owner.jwt)).status).toBe(200);
    },
  },
  {
    tool: 'create_collection_access_token_tool',
    args: async () => ({
      label: unique('Minted'),
      collection_id: owner.mainCollectionId,
      permission: 'read_write',
    }),
    stranger: 'COLLECTION_NOT_FOUND',
    async unchanged(args) {
      expect((await ownerCats()).map((c) => c.label)).not.toContain(args.label);
    },
  },
  {
    tool: 'list_collection_access_tokens_tool',
    args: async () => ({ collection_id: owner.mainCollectionId }),
    stranger: 'COLLECTION_NOT_FOUND',
    check: (data) => expect(list(data.keys).length).toBeGreaterThanOrEqual(2),
  },
  {
    tool: 'revoke_collection_access_token_tool',
    args: async () => ({ key_id: (await freshCat()).id }),
    stranger: 'CAT_NOT_FOUND',
    async unchanged(args) {
      expect((await ownerCats()).map((c) => c.cat_id)).toContain(args.key_id);
    },
  },
  {
    tool: 'rotate_collection_access_token_tool',
    args: async () => {
      const cat = await freshCat();
      return { key_id: cat.id, _secret: cat.token };
    },
    stranger: 'CAT_NOT_FOUND',
    async unchanged(args) {
      // The holder's secret still works: nobody rotated it away (and nobody received a new one).
      expect((await api.get('/api/v1/documents', str(args._secret))).status).toBe(200);
    },
  },
];

function outcomeOf(testCase: Case, credential: Credential): Outcome {
  if (!LISTED[credential].includes(testCase.tool)) return 'unlisted';
  if (credential === 'stranger') return testCase.stranger;
  return testCase.overrides?.[equivalent(credential)] ?? 'ok';
}

describe('tools/list per credential', () => {
  const protocols: Protocol[] = ['current', '2025-06-18'];
  for (const credential of CREDENTIALS) {
    it(`${credential} sees ${LISTED[credential].length} tools`, async () => {
      expect(await toolNames(clientFor(credential))).toEqual(LISTED[credential]);
    });
  }
  it('no collection-scoped credential is shown move_document_tool: it has no second collection', async () => {
    const scoped = CREDENTIALS.filter((c) => equivalent(c) === 'catRead' || equivalent(c) === 'catReadWrite');
    expect(scoped).toHaveLength(4);
    for (const credential of scoped) {
      expect(await toolNames(clientFor(credential)), credential).not.toContain('move_document_tool');
    }
    expect(await toolNames(clientFor('catReadWrite'))).toContain('update_document_tool');
  });
  for (const protocol of protocols) {
    it(`a read-only PAT and a read CAT see only reading tools (${protocol})`, async () => {
      for (const token of [owner.readPat, owner.catRead]) {
        const client = await connectMcp(server.url, token, protocol);
        const tools = (await client.listTools()).tools;
        expect(tools.length).toBeGreaterThan(0);
        expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
        await client.close();
      }
    });
  }
});

describe('every tool × every credential', () => {
  for (const testCase of CASES) {
    describe(testCase.tool, () => {
      for (const credential of CREDENTIALS) {
        const outcome = outcomeOf(testCase, credential);
        it(`${credential}: ${outcome}`, async () => {
          const { _secret: _ignored, ...args } = await testCase.args();
          const client = clientFor(credential);
          if (outcome === 'unlisted') {
            // Not listed, and not callable either: the tool does not exist for this caller.
            await expect(call(client, testCase.tool, args)).rejects.toThrow(
              new RegExp(`${testCase.tool} not found`),
            );
            await testCase.unchanged?.({ ...args, _secret: _ignored });
          } else if (outcome === 'ok') {
            testCase.check?.(ok(await call(client, testCase.tool, args)), credential);
          } else {
            expectToolError(await call(client, testCase.tool, args), outcome);
            await testCase.unchanged?.({ ...args, _secret: _ignored });
          }
        });
      }
    });
  }
});

describe('a collection access token stays inside its collection', () => {
  let elsewhere: string;

  beforeAll(async () => {
    elsewhere = await freshDocument(owner.otherCollectionId);
  });

  for (const credential of ['catRead', 'catReadWrite'] as const) {
    it(`${credential} cannot read the owner's other collections`, async () => {
      const client = clientFor(credential);
      expectToolError(
        await call(client, 'get_document_tool', { document_id: elsewhere }),
        'DOCUMENT_NOT_FOUND',
      );
      expectToolError(
        await call(client, 'list_documents_tool', { collection_id: owner.otherCollectionId }),
        'COLLECTION_NOT_FOUND',
      );
      expectToolError(
        await call(client, 'search_documents_tool', {
          query: 'kelp',
          collection_ids: [owner.otherCollectionId],
        }),
        'COLLECTION_NOT_FOUND',
      );
      const everything = ok(await call(client, 'list_documents_tool', {}));
      expect(list(everything.documents).every((d) => d.collection_id === owner.mainCollectionId)).toBe(true);
      const found = ok(await call(client, 'search_documents_tool', { query: 'tide pools kelp forests' }));
      expect(list(found.results).every((r) => r.collection_id === owner.mainCollectionId)).toBe(true);
      await expect(client.readResource({ uri: `ainstruct://documents/${elsewhere}` })).rejects.toThrow(
        /not found/i,
      );
      const own = await client.readResource({ uri: `ainstruct://documents/${sharedDocumentId}` });
      expect(own.contents[0]).toMatchObject({ text: expect.stringContaining('lighthouses') });
    });
  }

  it('catReadWrite cannot write outside it either', async () => {
    const client = clientFor('catReadWrite');
    expectToolError(
      await call(client, 'store_document_tool', {
        title: 'x',
        content: 'escape',
        collection_id: owner.otherCollectionId,
      }),
      'COLLECTION_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'update_document_tool', { document_id: elsewhere, title: 'hijacked' }),
      'DOCUMENT_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'delete_document_tool', { document_id: elsewhere }),
      'DOCUMENT_NOT_FOUND',
    );
    // Moving needs a second collection: a CAT is not shown the tool, and cannot call it (see the table).
    for (const target of [owner.otherCollectionId, stranger.defaultCollectionId]) {
      await expect(
        call(client, 'move_document_tool', { document_id: sharedDocumentId, target_collection_id: target }),
      ).rejects.toThrow(/move_document_tool not found/);
    }
    expect((await ownerDocument(sharedDocumentId)).body.collection_id).toBe(owner.mainCollectionId);
    const stored = ok(
      await call(client, 'store_document_tool', { title: 'In scope', content: 'Stored by a CAT.' }),
    );
    expect(stored.collection_id).toBe(owner.mainCollectionId);
    expect((await ownerDocument(elsewhere)).body.title).not.toBe('hijacked');
  });
});

describe('superusers get no view into other tenants', () => {
  it('an admin cannot read, search or change another user’s documents over MCP', async () => {
    const admin = await createUser(api, 'mcpsuper');
    await promote(api, admin.userId);
    const client = await connectMcp(server.url, (await createPat(api, admin.accessToken)).token);
    expectToolError(
      await call(client, 'get_document_tool', { document_id: sharedDocumentId }),
      'DOCUMENT_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'delete_document_tool', { document_id: sharedDocumentId }),
      'DOCUMENT_NOT_FOUND',
    );
    const found = ok(await call(client, 'search_documents_tool', { query: 'matrix lighthouses' }));
    expect(found.results).toEqual([]);
    expect(list(ok(await call(client, 'list_collection_access_tokens_tool', {})).keys)).toEqual([]);
    await client.close();
  });
});

describe('credentials refused before any tool runs', () => {
  const deadTokens = (): [string, string][] => [
    ['deactivated user JWT', dead.deactivatedJwt],
    ['deactivated user PAT', dead.deactivatedPat],
    ['deactivated user CAT', dead.deactivatedCat],
    ['expired PAT', dead.expiredPat],
    ['expired JWT', dead.expiredJwt],
  ];

  it('cannot connect', async () => {
    for (const [name, token] of deadTokens()) {
      await expect(connectMcp(server.url, token), name).rejects.toThrow();
      await expect(connectMcp(server.url, token, '2025-06-18'), name).rejects.toThrow();
    }
  });

  it('gets 401 with a challenge for every tool', async () => {
    for (const [name, token] of deadTokens()) {
      for (const tool of ALL_TOOLS) {
        const response = await postMcp(
          server.url,
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } },
          { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-06-18' },
        );
        expect(response.status, `${name} → ${tool}`).toBe(401);
        expect(response.headers.get('www-authenticate'), name).toBe(
          `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", ` +
            'scope="read write", error="invalid_token", error_description="Invalid or expired token"',
        );
      }
    }
  });

  it('the metadata names this server when PUBLIC_URL is unset', async () => {
    const response = await postMcp(server.url, initializeRequest());
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp", scope="read write"`,
    );
    const metadata = await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toMatchObject({ resource: `${server.url}/mcp`, authorization_servers: [server.url] });
  });
});

describe('each call is authorized again, whatever was listed', () => {
  it('a connected client loses access the moment its token is revoked or its user deactivated', async () => {
    const user = await createUser(api, 'mcprevoked');
    const pat = await createPat(api, user.accessToken);
    const viaPat = await connectMcp(server.url, pat.token);
    const viaJwt = await connectMcp(server.url, user.accessToken, '2025-06-18');
    expect(await toolNames(viaPat)).toEqual(ALL_TOOLS);
    ok(await call(viaPat, 'list_collections_tool'));

    expect((await api.delete(`/api/v1/auth/pat/${pat.id}`, user.accessToken)).status).toBe(200);
    await expect(call(viaPat, 'list_collections_tool')).rejects.toThrow();
    ok(await call(viaJwt, 'list_collections_tool'));

    const admin = await createUser(api, 'mcpadmin2');
    await promote(api, admin.userId);
    await api.patch(`/api/v1/admin/users/${user.userId}`, { is_active: false }, admin.accessToken);
    await expect(call(viaJwt, 'list_collections_tool')).rejects.toThrow();
    await viaPat.close();
    await viaJwt.close();
  });

  it('a CAT loses access when its collection is deleted', async () => {
    const collectionId = await freshCollection();
    const response = await api.post(
      '/api/v1/auth/cat',
      { label: 'short-lived', collection_id: collectionId, permission: 'read_write' },
      owner.jwt,
    );
    const client = await connectMcp(server.url, str(response.body.token));
    ok(await call(client, 'list_documents_tool'));
    expect((await api.delete(`/api/v1/auth/cat/${str(response.body.cat_id)}`, owner.jwt)).status).toBe(200);
    expect((await api.delete(`/api/v1/collections/${collectionId}`, owner.jwt)).status).toBe(200);
    await expect(call(client, 'list_documents_tool')).rejects.toThrow();
    await client.close();
  });
});

describe('call-time authorization does not rely on the listing', () => {
  /**
   * A server with every tool registered whatever the caller (which /mcp never builds), reached in-process:
   * the tools a credential is not shown must still be refused, by the services' access checks alone.
   */
  async function unfilteredClient(token: string): Promise<Client> {
    const principal = await server.ctx.authenticator.authenticate(`Bearer ${token}`);
    const mcp = new McpServer({ name: 'unfiltered', version: '1.0.0' });
    const env = {
      services: server.services,
      config: server.ctx.config,
      log: server.ctx.log,
      principal,
      requestId: 't',
      client: { resourceLinks: true },
    };
    for (const tool of buildTools(server.ctx.config)) tool.register(mcp, env);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    const client = new Client({ name: 'unfiltered', version: '1.0.0' });
    await client.connect(clientSide);
    return client;
  }

  for (const credential of ['readPat', 'catRead', 'catReadWrite'] as const) {
    it(`${credential}: every tool it is not shown is refused with INSUFFICIENT_SCOPE`, async () => {
      const client = await unfilteredClient(owner[credential]);
      const hidden = CASES.filter((testCase) => !LISTED[credential].includes(testCase.tool));
      expect(hidden.length).toBeGreaterThan(0);
      for (const testCase of hidden) {
        const { _secret, ...args } = await testCase.args();
        expectToolError(await call(client, testCase.tool, args), 'INSUFFICIENT_SCOPE');
        await testCase.unchanged?.({ ...args, _secret });
      }
      await client.close();
    });
  }
});
