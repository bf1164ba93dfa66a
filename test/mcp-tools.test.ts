import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/ingest/tokenizer.js';
import { ApiClient } from './helpers/client.js';
import { storeNew } from './helpers/documents.js';
import {
  ALL_TOOLS,
  call,
  connectMcp,
  createTenant,
  type Data,
  expectToolError,
  list,
  ok,
  str,
  type Tenant,
  textOf,
} from './helpers/mcp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Every tool through the official client: what it returns, how it fails, and that usage is counted. */

let server: TestServer;
let api: ApiClient;
let tenant: Tenant;
let client: Client;
/** A 2025-06-18 client, to check results keep their shape on the older protocol too. */
let oldClient: Client;

beforeAll(async () => {
  // Large chunks keep the 20,000-token cap test cheap to embed (a few long chunks instead of many short
  // ones).
  server = await startTestServer({ EMBEDDING_WORKERS: '1', CHUNK_MAX_TOKENS: '8192' });
  api = new ApiClient(server.url);
  tenant = await createTenant(api, 'mcptools');
  client = await connectMcp(server.url, tenant.jwt);
  oldClient = await connectMcp(server.url, tenant.pat, '2025-06-18');
});
afterAll(async () => {
  await client?.close();
  await oldClient?.close();
  await server?.close();
});

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

async function store(args: Data, via: Client = client): Promise<Data> {
  return ok(await call(via, 'store_document_tool', args));
}

describe('tools/list', () => {
  it('describes every tool, every argument, its output and honest annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      for (const [name, property] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((property as { description?: string }).description, `${tool.name}.${name}`).toBeTruthy();
      }
      const reads =
        tool.name.startsWith('get_') || tool.name.startsWith('list_') || tool.name.startsWith('search_');
      expect(tool.annotations?.readOnlyHint ?? false, tool.name).toBe(reads);
    }
    const destructive = tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name);
    expect(destructive.sort()).toEqual([
      'delete_collection_tool',
      'delete_document_tool',
      'move_document_tool',
      'revoke_collection_access_token_tool',
      'rotate_collection_access_token_tool',
      'update_document_tool',
    ]);
  });

  it('keeps the original parameter names and defaults', async () => {
    const { tools } = await client.listTools();
    const schema = (name: string) => tools.find((t) => t.name === name)?.inputSchema;
    // title may be left out since markdown can name itself (front matter title:, first heading).
    expect(schema('store_document_tool')?.required).toEqual(['content']);
    expect(schema('store_document_tool')?.properties).toHaveProperty('title');
    expect(schema('store_document_tool')?.properties).toMatchObject({
      document_type: { default: 'markdown' },
      doc_metadata: {},
      collection_id: {},
    });
    expect(schema('search_documents_tool')?.properties).toMatchObject({
      max_results: { default: 5 },
      max_tokens: { default: 2000 },
    });
    expect(schema('list_documents_tool')?.properties).toMatchObject({
      limit: { default: 50 },
      offset: { default: 0 },
    });
    expect(schema('update_document_tool')?.required).toEqual(['document_id']);
    expect(schema('move_document_tool')?.required).toEqual(['document_id', 'target_collection_id']);
    expect(schema('create_collection_access_token_tool')?.properties).toMatchObject({
      permission: { default: 'read_write' },
    });
    expect(schema('revoke_collection_access_token_tool')?.required).toEqual(['key_id']);
  });
});

describe('store_document_tool', () => {
  it('stores into the default collection and reports chunks, tokens and duplicates', async () => {
    const first = await store({
      title: 'Tide tables',
      content: '# Tides\n\nSpring tides follow the new moon.',
    });
    expect(first).toMatchObject({
      title: 'Tide tables',
      collection_id: tenant.user.defaultCollectionId,
      collection_name: 'default',
      document_type: 'markdown',
      duplicate: false,
    });
    expect(first.chunk_count).toBeGreaterThan(0);
    expect(first.token_count).toBeGreaterThan(0);
    expect(str(first.message)).toContain('stored');
    const again = await store({
      title: 'Other title',
      content: '# Tides\n\nSpring tides follow the new moon.',
    });
    expect(again).toMatchObject({ document_id: first.document_id, duplicate: true, title: 'Tide tables' });
  });

  it('stores into a chosen collection with type and metadata', async () => {
    const stored = await store(
      {
        title: 'fib.py',
        content: 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n',
        document_type: 'python',
        doc_metadata: { project: 'maths' },
        collection_id: tenant.otherCollectionId,
      },
      oldClient,
    );
    expect(stored).toMatchObject({ collection_id: tenant.otherCollectionId, document_type: 'python' });
    const fetched = ok(await call(client, 'get_document_tool', { document_id: stored.document_id }));
    expect(fetched.doc_metadata).toEqual({ project: 'maths' });
  });

  it('explains bad arguments by name', async () => {
    const badType = expectToolError(
      await call(client, 'store_document_tool', { title: 'x', content: 'y', document_type: 'cobol' }),
      'VALIDATION_ERROR',
    );
    expect(badType.errors).toEqual([
      { argument: 'document_type', message: expect.stringContaining('markdown') },
    ]);
    const missing = expectToolError(
      await call(client, 'store_document_tool', { title: 'x' }),
      'VALIDATION_ERROR',
    );
    expect(missing.errors).toEqual([{ argument: 'content', message: 'is required' }]);
    const unknown = expectToolError(
      await call(client, 'store_document_tool', { title: 'x', content: 'y', metadata: {} }),
      'VALIDATION_ERROR',
    );
    expect(str(unknown.message)).toContain('metadata');
    expectToolError(
      await call(client, 'store_document_tool', { title: 'x', content: '   ' }),
      'VALIDATION_ERROR',
    );
    expectToolError(
      await call(client, 'store_document_tool', { title: 'x', content: 'y', doc_metadata: [1] }),
      'VALIDATION_ERROR',
    );
  });

  it('says not found for a collection that does not exist', async () => {
    const result = await call(client, 'store_document_tool', {
      title: 'x',
      content: 'y',
      collection_id: MISSING_ID,
    });
    expectToolError(result, 'COLLECTION_NOT_FOUND');
  });
});

describe('get, list, update, move and delete', () => {
  let documentId: string;

  beforeAll(async () => {
    const stored = await store({
      title: 'Bread',
      content: '# Bread\n\nSourdough needs a lively starter and a long, cool proof.',
      doc_metadata: { kind: 'recipe' },
      collection_id: tenant.mainCollectionId,
    });
    documentId = str(stored.document_id);
  });

  it('get_document_tool returns the whole document with the original field names', async () => {
    const document = ok(await call(oldClient, 'get_document_tool', { document_id: documentId }));
    expect(document).toMatchObject({
      document_id: documentId,
      collection_id: tenant.mainCollectionId,
      title: 'Bread',
      content: '# Bread\n\nSourdough needs a lively starter and a long, cool proof.',
      document_type: 'markdown',
      doc_metadata: { kind: 'recipe' },
    });
    expect(document.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(str(document.created_at))).not.toBeNaN();
    expect(JSON.parse(textOf(await call(client, 'get_document_tool', { document_id: documentId })))).toEqual(
      document,
    );
  });

  it('get_document_tool says not found for unknown and malformed ids', async () => {
    expectToolError(
      await call(client, 'get_document_tool', { document_id: MISSING_ID }),
      'DOCUMENT_NOT_FOUND',
    );
    expectToolError(await call(client, 'get_document_tool', { document_id: 'nope' }), 'DOCUMENT_NOT_FOUND');
    expectToolError(await call(client, 'get_document_tool', {}), 'VALIDATION_ERROR');
  });

  it('list_documents_tool pages, filters and sorts without content', async () => {
    const all = ok(await call(client, 'list_documents_tool', {}));
    expect(all).toMatchObject({ limit: 50, offset: 0 });
    expect(list(all.documents).length).toBe(all.total);
    expect(list(all.documents)[0]).not.toHaveProperty('content');
    const page = ok(
      await call(client, 'list_documents_tool', { limit: 1, offset: 1, sort: 'title', order: 'asc' }),
    );
    expect(list(page.documents)).toHaveLength(1);
    const inMain = ok(await call(client, 'list_documents_tool', { collection_id: tenant.mainCollectionId }));
    expect(list(inMain.documents).map((d) => d.document_id)).toContain(documentId);
    expect(list(inMain.documents).every((d) => d.collection_id === tenant.mainCollectionId)).toBe(true);
    const python = ok(await call(client, 'list_documents_tool', { document_type: 'python' }));
    expect(list(python.documents).every((d) => d.document_type === 'python')).toBe(true);
  });

  it('list_documents_tool refuses bad paging and unknown collections', async () => {
    expectToolError(await call(client, 'list_documents_tool', { limit: 0 }), 'VALIDATION_ERROR');
    expectToolError(await call(client, 'list_documents_tool', { limit: 101 }), 'VALIDATION_ERROR');
    expectToolError(await call(client, 'list_documents_tool', { offset: -1 }), 'VALIDATION_ERROR');
    expectToolError(
      await call(client, 'list_documents_tool', { collection_id: MISSING_ID }),
      'COLLECTION_NOT_FOUND',
    );
  });

  it('update_document_tool changes only what is passed', async () => {
    const retitled = ok(
      await call(client, 'update_document_tool', { document_id: documentId, title: 'Sourdough' }),
    );
    expect(retitled).toMatchObject({
      title: 'Sourdough',
      doc_metadata: { kind: 'recipe' },
      document_type: 'markdown',
    });
    expect(str(retitled.message)).toContain('updated');
    const document = ok(await call(client, 'get_document_tool', { document_id: documentId }));
    expect(document.content).toBe('# Bread\n\nSourdough needs a lively starter and a long, cool proof.');

    const rewritten = ok(
      await call(client, 'update_document_tool', {
        document_id: documentId,
        content: '# Bread\n\nRye sourdough proofs faster in a warm kitchen.',
        doc_metadata: null,
      }),
    );
    expect(rewritten).toMatchObject({ title: 'Sourdough', doc_metadata: { kind: 'recipe' } });
    const cleared = ok(
      await call(client, 'update_document_tool', { document_id: documentId, doc_metadata: {} }),
    );
    expect(cleared.doc_metadata).toEqual({});
  });

  it('update_document_tool refuses empty, stale and unknown updates', async () => {
    const empty = expectToolError(
      await call(client, 'update_document_tool', { document_id: documentId }),
      'VALIDATION_ERROR',
    );
    expect(str(empty.message)).toContain('at least one of');
    expectToolError(
      await call(client, 'update_document_tool', {
        document_id: documentId,
        title: 'Stale',
        expected_updated_at: '2001-01-01T00:00:00Z',
      }),
      'DOCUMENT_CHANGED',
    );
    expectToolError(
      await call(client, 'update_document_tool', { document_id: MISSING_ID, title: 'x' }),
      'DOCUMENT_NOT_FOUND',
    );
  });

  it('move_document_tool moves between own collections and refuses unknown targets', async () => {
    const moved = ok(
      await call(client, 'move_document_tool', {
        document_id: documentId,
        target_collection_id: tenant.otherCollectionId,
      }),
    );
    expect(moved).toMatchObject({
      document_id: documentId,
      previous_collection_id: tenant.mainCollectionId,
      new_collection_id: tenant.otherCollectionId,
      collection_name: 'other',
    });
    expectToolError(
      await call(client, 'move_document_tool', { document_id: documentId, target_collection_id: MISSING_ID }),
      'COLLECTION_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'move_document_tool', {
        document_id: MISSING_ID,
        target_collection_id: tenant.mainCollectionId,
      }),
      'DOCUMENT_NOT_FOUND',
    );
  });

  it('move_document_tool refuses a target that already holds the same content', async () => {
    const content = 'Identical twins in two collections.';
    const inMain = await store({ title: 'Twin A', content, collection_id: tenant.mainCollectionId });
    await store({ title: 'Twin B', content, collection_id: tenant.otherCollectionId });
    const result = await call(client, 'move_document_tool', {
      document_id: inMain.document_id,
      target_collection_id: tenant.otherCollectionId,
    });
    expectToolError(result, 'DUPLICATE_CONTENT');
  });

  it('delete_document_tool deletes once, then says not found', async () => {
    const doomed = await store({ title: 'Doomed', content: 'This note will be deleted.' });
    const deleted = ok(await call(client, 'delete_document_tool', { document_id: doomed.document_id }));
    expect(deleted).toMatchObject({ success: true, document_id: doomed.document_id });
    expectToolError(
      await call(client, 'get_document_tool', { document_id: doomed.document_id }),
      'DOCUMENT_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'delete_document_tool', { document_id: doomed.document_id }),
      'DOCUMENT_NOT_FOUND',
    );
  });
});

describe('search_documents_tool', () => {
  let collectionId: string;
  let harbourId: string;

  beforeAll(async () => {
    collectionId = ok(await call(client, 'create_collection_tool', { name: 'search corpus' }))
      .collection_id as string;
    harbourId = str(
      (
        await store({
          title: 'Harbour log',
          content:
            '# Harbour\n\nThe lighthouse keeper logs every ship entering the harbour at dawn.\n\n' +
            '## Storms\n\nDuring storms the harbour master closes the breakwater gate.',
          collection_id: collectionId,
        })
      ).document_id,
    );
    await store({
      title: 'Orchard',
      content: 'Apple trees in the orchard are pruned in late winter.',
      document_type: 'text',
      doc_metadata: { season: 'winter' },
      collection_id: collectionId,
    });
  });

  it('returns the budgeted context as text, structured results, and links to the documents', async () => {
    const result = await call(client, 'search_documents_tool', {
      query: 'lighthouse keeper harbour',
      collection_id: collectionId,
    });
    const data = ok(result);
    expect(data.rerank).toBeNull();
    const hits = list(data.results);
    expect(hits[0]).toMatchObject({
      document_id: harbourId,
      title: 'Harbour log',
      collection: 'search corpus',
    });
    expect(data.total_results).toBeGreaterThanOrEqual(hits.length);
    expect(textOf(result)).toBe(data.formatted_context);
    const links = result.content.filter((block) => block.type === 'resource_link');
    expect(links[0]).toMatchObject({
      type: 'resource_link',
      uri: `ainstruct://documents/${harbourId}`,
      name: 'Harbour log',
      mimeType: 'text/markdown',
    });
    expect(new Set(links.map((l) => l.uri)).size).toBe(links.length);
    const fromOld = ok(
      await call(oldClient, 'search_documents_tool', { query: 'lighthouse', mode: 'keyword' }),
    );
    expect(list(fromOld.results)[0]?.document_id).toBe(harbourId);
  });

  it('filters by type, metadata and collections', async () => {
    const byType = ok(
      await call(client, 'search_documents_tool', { query: 'orchard apple trees', document_type: ['text'] }),
    );
    expect(list(byType.results).every((r) => r.document_type === 'text')).toBe(true);
    const byMetadata = ok(
      await call(client, 'search_documents_tool', { query: 'pruned', metadata: { season: 'winter' } }),
    );
    expect(list(byMetadata.results).map((r) => r.title)).toEqual(['Orchard']);
    const elsewhere = ok(
      await call(client, 'search_documents_tool', {
        query: 'lighthouse',
        collection_ids: [tenant.otherCollectionId],
      }),
    );
    expect(list(elsewhere.results).map((r) => r.document_id)).not.toContain(harbourId);
    const none = await call(client, 'search_documents_tool', { query: 'zeppelin', mode: 'keyword' });
    expect(ok(none).results).toEqual([]);
    expect(textOf(none)).toContain('No document matches');
  });

  it('applies the relevance floor and says so when nothing is good enough', async () => {
    const all = ok(
      await call(client, 'search_documents_tool', {
        query: 'how do I bake sourdough bread',
        collection_id: collectionId,
        min_score: 0,
      }),
    );
    const hits = list(all.results);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(Number(hit.score)).toBeLessThanOrEqual(1);
    const top = Number(hits[0]?.score);
    const none = await call(client, 'search_documents_tool', {
      query: 'how do I bake sourdough bread',
      collection_id: collectionId,
      min_score: Math.min(1, top + 1e-9),
    });
    expect(ok(none).results).toEqual([]);
    expect(textOf(none)).toContain('well enough');
    const bad = expectToolError(
      await call(client, 'search_documents_tool', { query: 'x', min_score: 2 }),
      'VALIDATION_ERROR',
    );
    expect(bad.errors).toEqual([
      { argument: 'min_score', message: expect.stringContaining('between 0 and 1') },
    ]);
  });

  it('never exceeds the requested token budget', async () => {
    for (const budget of [40, 60, 120]) {
      const result = await call(client, 'search_documents_tool', {
        query: 'harbour storms breakwater lighthouse',
        max_tokens: budget,
        collection_id: collectionId,
      });
      const data = ok(result);
      expect(data.tokens_used).toBeLessThanOrEqual(budget);
      expect(countTokens(str(data.formatted_context))).toBeLessThanOrEqual(budget);
      expect(countTokens(textOf(result))).toBeLessThanOrEqual(budget);
    }
  });

  // Embedding ~22,000 tokens with one worker takes a while on a busy machine.
  it('caps any budget at 20,000 tokens and any result count at 50', { timeout: 180_000 }, async () => {
    const paragraph = (i: number) =>
      `Paragraph ${i}: sandstone strata record ancient rivers, dunes and shifting shorelines over time.`;
    // About 22,000 tokens: three chunks of at most 8,192, every one a keyword match.
    const content = Array.from({ length: 1000 }, (_, i) => paragraph(i)).join('\n\n');
    await storeNew(api, tenant.jwt, { title: 'Strata', content, collection_id: collectionId });
    const result = await call(client, 'search_documents_tool', {
      query: 'sandstone strata',
      mode: 'keyword',
      max_results: 500,
      max_tokens: 1_000_000,
      collection_id: collectionId,
    });
    const data = ok(result);
    expect(data.tokens_used).toBeLessThanOrEqual(20_000);
    expect(countTokens(textOf(result))).toBeLessThanOrEqual(20_000);
    // The document holds well over 20,000 tokens, so the cap (not a lack of matches) is what stopped it.
    expect(data.tokens_used).toBeGreaterThan(15_000);
  });

  it('explains bad arguments and unknown collections', async () => {
    expectToolError(await call(client, 'search_documents_tool', { query: '  ' }), 'VALIDATION_ERROR');
    expectToolError(
      await call(client, 'search_documents_tool', { query: 'x', mode: 'fuzzy' }),
      'VALIDATION_ERROR',
    );
    expectToolError(
      await call(client, 'search_documents_tool', { query: 'x', max_tokens: 0 }),
      'VALIDATION_ERROR',
    );
    const date = expectToolError(
      await call(client, 'search_documents_tool', { query: 'x', created_after: 'last tuesday' }),
      'VALIDATION_ERROR',
    );
    expect(date.errors).toEqual([
      { argument: 'created_after', message: expect.stringContaining('ISO 8601') },
    ]);
    expectToolError(
      await call(client, 'search_documents_tool', { query: 'x', collection_id: MISSING_ID }),
      'COLLECTION_NOT_FOUND',
    );
  });
});

describe('document resources', () => {
  let documentId: string;

  beforeAll(async () => {
    documentId = str(
      (await store({ title: 'Kettle', content: 'Descale the kettle monthly.', document_type: 'text' }))
        .document_id,
    );
  });

  it('reads a document through the URI template, on both protocol generations', async () => {
    for (const via of [client, oldClient]) {
      const read = await via.readResource({ uri: `ainstruct://documents/${documentId}` });
      expect(read.contents).toEqual([
        {
          uri: `ainstruct://documents/${documentId}`,
          mimeType: 'text/plain',
          text: 'Descale the kettle monthly.',
        },
      ]);
    }
  });

  it('lists recent documents as resources', async () => {
    const { resources } = await client.listResources();
    expect(resources).toContainEqual(
      expect.objectContaining({
        uri: `ainstruct://documents/${documentId}`,
        name: 'Kettle',
        title: 'Kettle',
        mimeType: 'text/plain',
      }),
    );
  });

  it('answers an unknown document with a resource error', async () => {
    await expect(client.readResource({ uri: `ainstruct://documents/${MISSING_ID}` })).rejects.toThrow(
      /not found/i,
    );
    await expect(oldClient.readResource({ uri: 'ainstruct://documents/nope' })).rejects.toThrow(/not found/i);
    await expect(client.readResource({ uri: 'ainstruct://documents/%zz' })).rejects.toThrow(/not found/i);
  });
});

describe('collection tools', () => {
  it('create, get, rename and list', async () => {
    const created = ok(await call(client, 'create_collection_tool', { name: 'Recipes' }));
    expect(created).toMatchObject({ name: 'Recipes', document_count: 0, cat_count: 0 });
    const id = str(created.collection_id);
    expect(ok(await call(client, 'get_collection_tool', { collection_id: id }))).toEqual(created);
    const renamed = ok(await call(client, 'rename_collection_tool', { collection_id: id, name: 'Cooking' }));
    expect(renamed).toMatchObject({ collection_id: id, name: 'Cooking' });
    const listed = ok(await call(oldClient, 'list_collections_tool', {}));
    expect(list(listed.collections).map((c) => c.name)).toContain('Cooking');
    const page = ok(await call(client, 'list_collections_tool', { limit: 1 }));
    expect(list(page.collections)).toHaveLength(1);
    expect(page.total).toBe(listed.total);
  });

  it('refuses duplicate and invalid names, unknown ids', async () => {
    expectToolError(await call(client, 'create_collection_tool', { name: 'MAIN' }), 'COLLECTION_NAME_EXISTS');
    expectToolError(await call(client, 'create_collection_tool', { name: ' ' }), 'VALIDATION_ERROR');
    expectToolError(
      await call(client, 'create_collection_tool', { name: 'x'.repeat(101) }),
      'VALIDATION_ERROR',
    );
    expectToolError(
      await call(client, 'rename_collection_tool', { collection_id: tenant.otherCollectionId, name: 'main' }),
      'COLLECTION_NAME_EXISTS',
    );
    expectToolError(
      await call(client, 'get_collection_tool', { collection_id: MISSING_ID }),
      'COLLECTION_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'rename_collection_tool', { collection_id: MISSING_ID, name: 'x' }),
      'COLLECTION_NOT_FOUND',
    );
  });

  it('delete_collection_tool deletes with the documents, and waits for tokens to be revoked', async () => {
    const id = str(ok(await call(client, 'create_collection_tool', { name: 'Scratch' })).collection_id);
    const note = await store({ title: 'Scratch note', content: 'Temporary.', collection_id: id });
    const cat = ok(
      await call(client, 'create_collection_access_token_tool', { label: 'blocker', collection_id: id }),
    );
    expectToolError(
      await call(client, 'delete_collection_tool', { collection_id: id }),
      'COLLECTION_HAS_ACTIVE_CATS',
    );
    ok(await call(client, 'revoke_collection_access_token_tool', { key_id: cat.cat_id }));
    const deleted = ok(await call(client, 'delete_collection_tool', { collection_id: id }));
    expect(deleted).toMatchObject({ success: true, collection_id: id });
    expectToolError(
      await call(client, 'get_document_tool', { document_id: note.document_id }),
      'DOCUMENT_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'delete_collection_tool', { collection_id: id }),
      'COLLECTION_NOT_FOUND',
    );
  });
});

describe('collection access token tools', () => {
  it('creates a token whose key works as an MCP credential for its collection only', async () => {
    const created = ok(
      await call(client, 'create_collection_access_token_tool', {
        label: 'reader agent',
        collection_id: tenant.mainCollectionId,
        permission: 'read',
        expires_in_days: 7,
      }),
    );
    expect(created).toMatchObject({
      label: 'reader agent',
      collection_id: tenant.mainCollectionId,
      collection_name: 'main',
      permission: 'read',
      last_used: null,
      is_active: true,
    });
    expect(str(created.key)).toMatch(/^cat_live_/);
    const expires = Date.parse(str(created.expires_at)) - Date.now();
    expect(expires).toBeGreaterThan(6 * 86_400_000);
    expect(expires).toBeLessThan(8 * 86_400_000);

    const agent = await connectMcp(server.url, str(created.key));
    expect(
      list(ok(await call(agent, 'list_documents_tool', {})).documents).every(
        (d) => d.collection_id === tenant.mainCollectionId,
      ),
    ).toBe(true);
    await agent.close();
  });

  it('defaults to read_write and lists tokens without secrets', async () => {
    const created = ok(
      await call(client, 'create_collection_access_token_tool', {
        label: 'writer',
        collection_id: tenant.mainCollectionId,
      }),
    );
    expect(created.permission).toBe('read_write');
    const keys = list(ok(await call(client, 'list_collection_access_tokens_tool', {})).keys);
    const listed = keys.find((k) => k.cat_id === created.cat_id);
    expect(listed).toMatchObject({ label: 'writer', permission: 'read_write' });
    expect(listed).not.toHaveProperty('key');
    expect(JSON.stringify(keys)).not.toContain('cat_live_');
    const inOther = list(
      ok(
        await call(client, 'list_collection_access_tokens_tool', { collection_id: tenant.otherCollectionId }),
      ).keys,
    );
    expect(inOther).toEqual([]);
  });

  it('rotates: new secret, same id, old secret refused at once', async () => {
    const created = ok(
      await call(client, 'create_collection_access_token_tool', {
        label: 'rotating',
        collection_id: tenant.mainCollectionId,
      }),
    );
    const rotated = ok(await call(client, 'rotate_collection_access_token_tool', { key_id: created.cat_id }));
    expect(rotated).toMatchObject({ cat_id: created.cat_id, label: 'rotating', permission: 'read_write' });
    expect(rotated.key).not.toBe(created.key);
    await expect(connectMcp(server.url, str(created.key))).rejects.toThrow();
    const agent = await connectMcp(server.url, str(rotated.key));
    ok(await call(agent, 'list_documents_tool', {}));
    await agent.close();
  });

  it('revokes: the key stops working, a second revoke says not found', async () => {
    const created = ok(
      await call(client, 'create_collection_access_token_tool', {
        label: 'revoked',
        collection_id: tenant.mainCollectionId,
      }),
    );
    const revoked = ok(await call(client, 'revoke_collection_access_token_tool', { key_id: created.cat_id }));
    expect(revoked).toMatchObject({ success: true, key_id: created.cat_id });
    await expect(connectMcp(server.url, str(created.key))).rejects.toThrow();
    expectToolError(
      await call(client, 'revoke_collection_access_token_tool', { key_id: created.cat_id }),
      'CAT_NOT_FOUND',
    );
    expectToolError(
      await call(client, 'rotate_collection_access_token_tool', { key_id: MISSING_ID }),
      'CAT_NOT_FOUND',
    );
  });

  it('explains bad permissions, lifetimes and unknown collections', async () => {
    const permission = expectToolError(
      await call(client, 'create_collection_access_token_tool', {
        label: 'x',
        collection_id: tenant.mainCollectionId,
        permission: 'admin',
      }),
      'VALIDATION_ERROR',
    );
    expect(str(permission.message)).toMatch(/read.*read_write/);
    expectToolError(
      await call(client, 'create_collection_access_token_tool', {
        label: 'x',
        collection_id: tenant.mainCollectionId,
        expires_in_days: 100_000,
      }),
      'VALIDATION_ERROR',
    );
    expectToolError(
      await call(client, 'create_collection_access_token_tool', { label: 'x', collection_id: MISSING_ID }),
      'COLLECTION_NOT_FOUND',
    );
  });
});

describe('usage', () => {
  it('counts each successful call with source mcp, and no failed one', async () => {
    const before = await server.services.usage.month(tenant.user.userId);
    ok(await call(client, 'list_collections_tool', {}));
    ok(await call(oldClient, 'get_collection_tool', { collection_id: tenant.mainCollectionId }));
    expectToolError(
      await call(client, 'get_document_tool', { document_id: MISSING_ID }),
      'DOCUMENT_NOT_FOUND',
    );
    expectToolError(await call(client, 'create_collection_tool', {}), 'VALIDATION_ERROR');
    await client.listTools();
    const after = await server.services.usage.month(tenant.user.userId);
    expect(after.mcp_requests - before.mcp_requests).toBe(2);
    expect(after.api_requests).toBe(before.api_requests);
  });
});
