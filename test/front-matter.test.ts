import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/client.js';
import type { SearchResult } from '../src/modules/search/search.service.js';
import { type RunningServer, startServer } from '../src/server.js';
import { prepareFile } from '../src/web/src/lib/files.js';
import { runCliWith } from './helpers/cli.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { createCollection, search, store, storeNew } from './helpers/documents.js';
import { call, connectMcp, expectToolError, ok } from './helpers/mcp.js';
import { testEnv } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

/**
 * YAML front matter of markdown, through every way in (REST, the web upload's own titling, MCP, the CLI
 * import): it becomes metadata that search filters on, it may name the document, and it is never chunked,
 * embedded or keyword-indexed, while the stored content keeps it byte for byte.
 */

// A DATA_DIR (not memory) for PGlite, so that `ainstruct import` reaches this server over its control socket.
let database: TestDatabase | undefined;
let dbEnv: Record<string, string>;
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-front-');
let server: RunningServer;
let api: ApiClient;
let alice: TestUser;

beforeAll(async () => {
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dbEnv = { DATA_DIR: tempDir('ainstruct-frontmatter-db-') };
  }
  server = await startServer(loadConfig(testEnv({ ...dbEnv, EMBEDDING_WORKERS: '1' })));
  api = new ApiClient(server.url);
  alice = await createUser(api, 'fm');
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  removeTempDirs();
});

const FRONT = '---\ntitle: Greenhouse notes\ntags: [a, b]\nproject: x\nplanted: 2024-05-01\n---\n';
const BODY = '# Watering\n\nThe tomatoes need water every second morning, before the sun is high.\n';

async function getDocument(id: string) {
  const response = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { title: string; content: string; metadata: Record<string, unknown> };
}

async function chunkTexts(id: string): Promise<string[]> {
  const rows = await queryRows<{ content: string }>(
    server.ctx.db,
    sql`select content from chunks where document_id = ${id}::uuid order by chunk_index`,
  );
  return rows.map((row) => row.content);
}

/** Keyword postings of the document for the lexemes of `word`. */
async function postings(id: string, word: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    server.ctx.db,
    sql`select count(*)::int as n from chunk_terms
        where document_id = ${id}::uuid and term in (select lexeme from unnest(to_tsvector('english', ${word})))`,
  );
  return row?.n ?? 0;
}

async function hits(body: Record<string, unknown>): Promise<SearchResult[]> {
  const response = await search(api, alice.accessToken, body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.results as SearchResult[];
}

describe('REST store', () => {
  it('takes front matter as metadata under the given metadata, and keeps the content as sent', async () => {
    const content = FRONT + BODY;
    const response = await store(api, alice.accessToken, {
      title: 'Given title',
      content,
      metadata: { project: 'y', source: 'api' },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      title: 'Given title',
      chunk_count: 1,
      metadata: {
        title: 'Greenhouse notes',
        tags: ['a', 'b'],
        project: 'y',
        planted: '2024-05-01',
        source: 'api',
      },
    });
    const id = response.body.document_id as string;
    expect((await getDocument(id)).content).toBe(content);
    expect(await chunkTexts(id)).toEqual([BODY.trim()]);
  });

  it('titles a document sent without a title by its front matter, else its first heading, else refuses', async () => {
    const fromFront = await api.post(
      '/api/v1/documents',
      { content: `${FRONT}${BODY}\nMore.` },
      alice.accessToken,
    );
    expect(fromFront.status, JSON.stringify(fromFront.body)).toBe(201);
    expect(fromFront.body.title).toBe('Greenhouse notes');
    const fromHeading = await api.post(
      '/api/v1/documents',
      { content: `${BODY}\nAgain.` },
      alice.accessToken,
    );
    expect(fromHeading.status, JSON.stringify(fromHeading.body)).toBe(201);
    expect(fromHeading.body.title).toBe('Watering');
    const none = await api.post(
      '/api/v1/documents',
      { content: 'Just a line of text.', document_type: 'text' },
      alice.accessToken,
    );
    expect(none.status).toBe(422);
    expect(JSON.stringify(none.body)).toContain('TITLE_REQUIRED');
  });

  it('leaves front matter that is not a YAML mapping in the content, and takes nothing from it', async () => {
    const content = '---\nzircon: [unclosed\n---\n\nBody about basalt columns.\n';
    const id = await storeNew(api, alice.accessToken, { title: 'Invalid', content, metadata: { k: 1 } });
    expect((await getDocument(id)).metadata).toEqual({ k: 1 });
    expect(await chunkTexts(id)).toEqual([content.trim()]);
    expect((await hits({ query: 'zircon', mode: 'keyword' })).map((r) => r.document_id)).toEqual([id]);
  });

  it('reads front matter in markdown only', async () => {
    const content = '---\nproject: x\n---\nPlain text that merely starts with dashes.\n';
    const id = await storeNew(api, alice.accessToken, { title: 'Text', content, document_type: 'text' });
    expect((await getDocument(id)).metadata).toEqual({});
    expect(await chunkTexts(id)).toEqual([content.trim()]);
  });

  it('stores a document that is only front matter, with no chunks', async () => {
    const response = await store(api, alice.accessToken, {
      title: 'Card',
      content: '---\nkind: index card\n---\n',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ chunk_count: 0, metadata: { kind: 'index card' } });
  });

  it('refuses metadata that the front matter makes too large', async () => {
    const big = 'v'.repeat(40 * 1024);
    const response = await store(api, alice.accessToken, {
      title: 'Too much',
      content: `---\nnotes: ${big}\n---\nBody.\n`,
      metadata: { more: big },
    });
    expect(response.status).toBe(413);
    expect(response.body.detail.code).toBe('METADATA_TOO_LARGE');
  });
});

describe('search over front matter', () => {
  let collection: string;
  let id: string;

  beforeAll(async () => {
    collection = await createCollection(api, alice.accessToken, 'garden');
    id = await storeNew(api, alice.accessToken, {
      title: 'Compost',
      collection_id: collection,
      content:
        '---\ntags: [a, b]\nproject: x\nreviewer: quetzalcoatlite\n---\n' +
        '# Compost\n\nTurn the compost heap weekly so that it stays warm and airy.\n',
    });
    await storeNew(api, alice.accessToken, {
      title: 'Other compost',
      collection_id: collection,
      content: '---\ntags: [c]\nproject: y\n---\nA compost heap also needs greens and browns.\n',
    });
  });

  const found = async (metadata: Record<string, unknown>, mode = 'keyword') =>
    new Set(
      (await hits({ query: 'compost heap', mode, collection_id: collection, metadata })).map(
        (r) => r.document_id,
      ),
    );

  it('filters on front matter keys by containment', async () => {
    for (const mode of ['keyword', 'semantic', 'hybrid']) {
      expect(await found({ project: 'x' }, mode)).toEqual(new Set([id]));
      expect(await found({ tags: ['a'] }, mode)).toEqual(new Set([id]));
      expect(await found({ tags: ['a', 'b'], project: 'x' }, mode)).toEqual(new Set([id]));
      expect(await found({ project: 'z' }, mode)).toEqual(new Set());
      expect(await found({ tags: ['a', 'c'] }, mode)).toEqual(new Set());
    }
  });

  it('never returns the front matter: it has no postings and no chunk', async () => {
    expect(await postings(id, 'quetzalcoatlite')).toBe(0);
    expect(await postings(id, 'compost')).toBeGreaterThan(0);
    expect(await hits({ query: 'quetzalcoatlite', mode: 'keyword', collection_id: collection })).toEqual([]);
    const semantic = await hits({
      query: 'quetzalcoatlite reviewer',
      mode: 'semantic',
      collection_id: collection,
    });
    expect(semantic.length).toBeGreaterThan(0);
    for (const result of semantic) {
      expect(result.content).not.toContain('quetzalcoatlite');
      expect(result.content).not.toMatch(/^---/);
    }
  });
});

describe('REST update', () => {
  it('reads the new front matter: keys taken out of it leave, metadata given through the API stays', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Plan A',
      content: '---\ntitle: Plan A\nproject: x\ntags: [a]\nstatus: draft\n---\nFirst plan.\n',
      metadata: { status: 'final', source: 'api' },
    });
    expect((await getDocument(id)).metadata).toEqual({
      title: 'Plan A',
      project: 'x',
      tags: ['a'],
      status: 'final',
      source: 'api',
    });

    const content = '---\ntitle: Plan B\nproject: z\n---\nSecond plan.\n';
    const updated = await api.patch(`/api/v1/documents/${id}`, { content }, alice.accessToken);
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    // The title came from the front matter, so it follows it; tags left with the front matter.
    expect(updated.body).toMatchObject({
      title: 'Plan B',
      content,
      metadata: { title: 'Plan B', project: 'z', status: 'final', source: 'api' },
    });
    expect(Object.keys(updated.body.metadata).sort()).toEqual(['project', 'source', 'status', 'title']);
    expect(await chunkTexts(id)).toEqual(['Second plan.']);
    expect(await hits({ query: 'plan', mode: 'keyword', metadata: { tags: ['a'] } })).toEqual([]);

    const again = await api.patch(
      `/api/v1/documents/${id}`,
      { content: '---\nproject: w\n---\nThird plan.\n', metadata: { project: 'given' } },
      alice.accessToken,
    );
    expect(again.status).toBe(200);
    // Given metadata replaces what was given before (status, source) and wins over the front matter.
    expect(again.body).toMatchObject({ title: 'Plan B', metadata: { project: 'given' } });
    expect(Object.keys(again.body.metadata)).toEqual(['project']);
  });

  it('keeps an explicit title, and puts front matter keys back under metadata-only updates', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'My own title',
      content: '---\ntitle: Draft name\nproject: x\n---\nBody.\n',
    });
    const renamed = await api.patch(
      `/api/v1/documents/${id}`,
      { content: '---\ntitle: Better name\nproject: x\n---\nBody.\n' },
      alice.accessToken,
    );
    expect(renamed.body.title).toBe('My own title');
    const retagged = await api.patch(
      `/api/v1/documents/${id}`,
      { metadata: { extra: 1 } },
      alice.accessToken,
    );
    expect(retagged.body.metadata).toEqual({ title: 'Better name', project: 'x', extra: 1 });
  });
});

describe('web upload', () => {
  async function upload(name: string, content: string) {
    // What UploadModal does: the page titles the file, then stores it over REST.
    const prepared = await prepareFile(new File([content], name));
    return store(api, alice.accessToken, {
      title: prepared.title,
      content: prepared.content,
      document_type: prepared.documentType,
      metadata: { source_file: name },
    });
  }

  it('titles a markdown file by its front matter, else its first heading, else its name', async () => {
    const fromFront = await upload('greenhouse.md', FRONT.replace('tags: [a, b]', 'tags: [upload]') + BODY);
    expect(fromFront.status).toBe(201);
    expect(fromFront.body).toMatchObject({
      title: 'Greenhouse notes',
      metadata: { tags: ['upload'], project: 'x', source_file: 'greenhouse.md' },
    });
    expect((await upload('watering.md', BODY)).body.title).toBe('Watering');
    expect((await upload('loose-notes.md', 'no heading at all\n')).body.title).toBe('loose-notes');
  });
});

describe('MCP store', () => {
  let client: Client;
  beforeAll(async () => {
    client = await connectMcp(server.url, alice.accessToken);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('titles the document by its front matter when no title is given, doc_metadata winning', async () => {
    const content =
      '---\ntitle: Orchard log\nproject: x\ntags: [mcp]\n---\n# Pruning\n\nPrune the apple trees in late winter.\n';
    const stored = ok(
      await call(client, 'store_document_tool', { content, doc_metadata: { project: 'mcp-given' } }),
    );
    expect(stored).toMatchObject({ title: 'Orchard log', chunk_count: 1, duplicate: false });
    const read = ok(await call(client, 'get_document_tool', { document_id: stored.document_id }));
    expect(read).toMatchObject({
      title: 'Orchard log',
      content,
      doc_metadata: { title: 'Orchard log', project: 'mcp-given', tags: ['mcp'] },
    });
    const titled = ok(
      await call(client, 'store_document_tool', { title: 'Given', content: `${content}\nMore.` }),
    );
    expect(titled.title).toBe('Given');
  });

  it('falls back to the first heading, and asks for a title when nothing gives one', async () => {
    const heading = ok(await call(client, 'store_document_tool', { content: '# Hedges\n\nTrim in June.' }));
    expect(heading.title).toBe('Hedges');
    expectToolError(
      await call(client, 'store_document_tool', { content: 'plain words', document_type: 'text' }),
      'TITLE_REQUIRED',
    );
  });
});

describe('ainstruct import', { timeout: 240_000 }, () => {
  const runCli = (args: string[]) => runCliWith(dbEnv, args);

  it('titles files by front matter, heading, then file name, and merges front matter into metadata', async () => {
    const folder = tempDir('ainstruct-frontmatter-src-');
    const files: Record<string, string> = {
      'beds/plan.md': '---\ntitle: Raised beds\ntags: [imported]\n---\n# Layout\n\nFour beds of one metre.\n',
      'beds/heading.md': '# Seed list\n\nCarrots, beans, leeks.\n',
      'beds/front.txt': '---\ntitle: Not read in text\n---\nSoil test results.\n',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(folder, path)), { recursive: true });
      writeFileSync(join(folder, path), content);
    }
    const result = await runCli(['import', folder, '--collection', 'imported', '--user', alice.username]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('Stored 3, already present 0, skipped 0, failed 0');

    const listed = await api.get('/api/v1/documents?limit=100', alice.accessToken);
    const byPath = new Map<string, { title: string; metadata: Record<string, unknown>; document_id: string }>(
      listed.body.documents
        .filter((d: { collection_name: string }) => d.collection_name === 'imported')
        .map((d: { metadata: { source_path: string } }) => [d.metadata.source_path, d]),
    );
    expect(byPath.get('beds/plan.md')).toMatchObject({
      title: 'Raised beds',
      metadata: { title: 'Raised beds', tags: ['imported'], source_path: 'beds/plan.md' },
    });
    expect(byPath.get('beds/heading.md')).toMatchObject({
      title: 'Seed list',
      metadata: { source_path: 'beds/heading.md' },
    });
    expect(byPath.get('beds/front.txt')).toMatchObject({
      title: 'front.txt',
      metadata: { source_path: 'beds/front.txt' },
    });
    const plan = byPath.get('beds/plan.md')?.document_id ?? '';
    expect((await getDocument(plan)).content).toBe(files['beds/plan.md']);
    expect(await chunkTexts(plan)).toEqual(['# Layout\n\nFour beds of one metre.']);
  });
});
