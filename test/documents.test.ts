import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/client.js';
import { countTokens } from '../src/ingest/tokenizer.js';
import { startServer } from '../src/server.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { type CountingEmbedder, countingLocalEmbedder } from './helpers/counting-embedder.js';
import {
  chunkCount,
  createCat,
  createCollection,
  createPat,
  search,
  searchIds,
  store,
  storeNew,
} from './helpers/documents.js';
import { startRemoteEmbeddingServer, startTestServer, type TestServer, testEnv } from './helpers/server.js';

const MAX_DOCUMENT_BYTES = 2000;
const CHUNK_MAX_TOKENS = 100;
const MAX_BODY_BYTES = 100_000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let embedder: CountingEmbedder;
let server: TestServer;
let api: ApiClient;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  embedder = countingLocalEmbedder(1);
  await embedder.warmup();
  server = await startTestServer(
    {
      EMBEDDING_WORKERS: '1',
      MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES),
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      // Small chunks, so that a document under MAX_DOCUMENT_BYTES can have several sections too big to share one.
      CHUNK_MAX_TOKENS: String(CHUNK_MAX_TOKENS),
      CHUNK_OVERLAP_TOKENS: '20',
    },
    { embedder },
  );
  api = new ApiClient(server.url);
  alice = await createUser(api, 'alice');
  bob = await createUser(api, 'bob');
});

afterAll(async () => {
  await server?.close();
  await embedder?.close();
});

describe('store', () => {
  it('stores into the default collection and answers 201 with every field', async () => {
    const content = 'The lighthouse keeper logs the weather every evening.';
    const before = embedder.documentTexts;
    const response = await store(api, alice.accessToken, {
      title: 'Lighthouse log',
      content,
      document_type: 'text',
      metadata: { source: 'test', tags: ['a', 'b'] },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      document_id: expect.stringMatching(UUID),
      title: 'Lighthouse log',
      collection_id: alice.defaultCollectionId,
      collection_name: 'default',
      content_hash: sha256(content),
      document_type: 'text',
      metadata: { source: 'test', tags: ['a', 'b'] },
      chunk_count: 1,
      token_count: countTokens(content),
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
      duplicate: false,
    });
    // One chunk, embedded once.
    expect(embedder.documentTexts - before).toBe(1);
    const fetched = await api.get(`/api/v1/documents/${response.body.document_id}`, alice.accessToken);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({ ...response.body, duplicate: undefined, content });
  });

  it('defaults document_type to markdown and metadata to {}', async () => {
    const response = await store(api, alice.accessToken, {
      title: 'Defaults',
      content: 'A note with defaults only.',
    });
    expect(response.status).toBe(201);
    expect(response.body.document_type).toBe('markdown');
    expect(response.body.metadata).toEqual({});
  });

  it('stores into an explicit collection of the caller', async () => {
    const projects = await createCollection(api, alice.accessToken, 'projects');
    const response = await store(api, alice.accessToken, {
      title: 'Roadmap',
      content: 'Quarterly roadmap for the harbour project.',
      collection_id: projects,
    });
    expect(response.status).toBe(201);
    expect(response.body.collection_id).toBe(projects);
    expect(response.body.collection_name).toBe('projects');
  });

  it("refuses another user's collection with 404 COLLECTION_NOT_FOUND and stores nothing", async () => {
    const before = await api.get(
      `/api/v1/documents?collection_id=${bob.defaultCollectionId}`,
      bob.accessToken,
    );
    const response = await store(api, alice.accessToken, {
      title: 'Intrusion',
      content: 'Alice tries to write into Bob.',
      collection_id: bob.defaultCollectionId,
    });
    expect(response.status).toBe(404);
    expect(response.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    const after = await api.get(
      `/api/v1/documents?collection_id=${bob.defaultCollectionId}`,
      bob.accessToken,
    );
    expect(after.body.total).toBe(before.body.total);
    const unknown = await store(api, alice.accessToken, {
      title: 'Nowhere',
      content: 'No such collection.',
      collection_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail.code).toBe('COLLECTION_NOT_FOUND');
  });

  it('lets a read_write CAT store into its collection, and only there', async () => {
    const shared = await createCollection(api, alice.accessToken, 'cat-shared');
    const cat = await createCat(api, alice.accessToken, shared, 'read_write');
    const implicit = await store(api, cat, { title: 'By CAT', content: 'Stored with a collection token.' });
    expect(implicit.status).toBe(201);
    expect(implicit.body.collection_id).toBe(shared);
    const explicit = await store(api, cat, {
      title: 'By CAT explicit',
      content: 'Stored with a collection token and its id.',
      collection_id: shared,
    });
    expect(explicit.status).toBe(201);
    expect(explicit.body.collection_id).toBe(shared);

    const elsewhere = await store(api, cat, {
      title: 'Escape',
      content: 'A CAT aiming at the default collection.',
      collection_id: alice.defaultCollectionId,
    });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.detail.code).toBe('COLLECTION_NOT_FOUND');
  });

  it('refuses a read CAT with 403 INSUFFICIENT_SCOPE on every write, but lets it read', async () => {
    const shared = await createCollection(api, alice.accessToken, 'cat-read');
    const id = await storeNew(api, alice.accessToken, {
      title: 'Readable',
      content: 'Only readable through the read token.',
      collection_id: shared,
    });
    const cat = await createCat(api, alice.accessToken, shared, 'read');
    const stored = await store(api, cat, { title: 'Nope', content: 'A read token cannot store.' });
    expect(stored.status).toBe(403);
    expect(stored.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    const patched = await api.patch(`/api/v1/documents/${id}`, { title: 'Changed' }, cat);
    expect(patched.status).toBe(403);
    expect(patched.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    const moved = await api.post(`/api/v1/documents/${id}/move`, { target_collection_id: shared }, cat);
    expect(moved.status).toBe(403);
    expect(moved.body.detail.code).toBe('INSUFFICIENT_SCOPE');
    const deleted = await api.delete(`/api/v1/documents/${id}`, cat);
    expect(deleted.status).toBe(403);
    expect(deleted.body.detail.code).toBe('INSUFFICIENT_SCOPE');

    const fetched = await api.get(`/api/v1/documents/${id}`, cat);
    expect(fetched.status).toBe(200);
    expect(fetched.body.title).toBe('Readable');
    const listed = await api.get('/api/v1/documents', cat);
    expect(listed.status).toBe(200);
    expect(listed.body.documents.map((d: { document_id: string }) => d.document_id)).toEqual([id]);
    // Documents of other collections stay invisible to it.
    const other = await storeNew(api, alice.accessToken, {
      title: 'Hidden',
      content: 'Outside the read token.',
    });
    const hidden = await api.get(`/api/v1/documents/${other}`, cat);
    expect(hidden.status).toBe(404);
    expect(hidden.body.detail.code).toBe('DOCUMENT_NOT_FOUND');
    const listOther = await api.get(`/api/v1/documents?collection_id=${alice.defaultCollectionId}`, cat);
    expect(listOther.status).toBe(404);
    expect(listOther.body.detail.code).toBe('COLLECTION_NOT_FOUND');
  });
});

describe('limits', () => {
  const invalid = async (body: Record<string, unknown>) => {
    const response = await api.post('/api/v1/documents', body, alice.accessToken);
    expect(response.status).toBe(422);
    expect(response.body.detail.code).toBe('VALIDATION_ERROR');
    return response.body.detail;
  };

  it('refuses empty and whitespace-only content with 422', async () => {
    await invalid({ title: 'Empty', content: '' });
    await invalid({ title: 'Blank', content: '  \n\t  ' });
  });

  it('refuses content over MAX_DOCUMENT_BYTES (counted in UTF-8 bytes) with 413 DOCUMENT_TOO_LARGE', async () => {
    const before = embedder.documentTexts;
    // 1000 two-byte characters fit exactly; one more does not.
    const fits = await store(api, alice.accessToken, {
      title: 'Exactly at the limit',
      content: 'é'.repeat(1000),
    });
    expect(fits.status).toBe(201);
    const over = await store(api, alice.accessToken, { title: 'Over the limit', content: 'é'.repeat(1001) });
    expect(over.status).toBe(413);
    expect(over.body.detail.code).toBe('DOCUMENT_TOO_LARGE');
    expect(over.body.detail.message).toContain('2002');
    expect(over.body.detail.message).toContain(String(MAX_DOCUMENT_BYTES));
    const patched = await api.patch(
      `/api/v1/documents/${fits.body.document_id}`,
      { content: 'x'.repeat(2001) },
      alice.accessToken,
    );
    expect(patched.status).toBe(413);
    expect(patched.body.detail.code).toBe('DOCUMENT_TOO_LARGE');
    // Only the document that fitted was embedded.
    expect(
      embedder
        .documentTextList()
        .slice(before)
        .some((t) => t.includes('éé')),
    ).toBe(true);
    const titles = (await api.get('/api/v1/documents?limit=100', alice.accessToken)).body.documents.map(
      (d: { title: string }) => d.title,
    );
    expect(titles).not.toContain('Over the limit');
  });

  it('refuses a body over MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await api.post(
      '/api/v1/documents',
      { title: 'Huge', content: 'y'.repeat(MAX_BODY_BYTES + 10) },
      alice.accessToken,
    );
    expect(response.status).toBe(413);
    expect(response.body.detail.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a 501-character title with 422 and accepts 500', async () => {
    const detail = await invalid({ title: 't'.repeat(501), content: 'Title too long.' });
    expect(detail.message).toContain('title');
    const ok = await store(api, alice.accessToken, {
      title: 't'.repeat(500),
      content: 'Title just long enough.',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.title).toHaveLength(500);
  });

  it('refuses an unknown document_type with 422 listing the valid types', async () => {
    const detail = await invalid({
      title: 'Cobol',
      content: 'IDENTIFICATION DIVISION.',
      document_type: 'cobol',
    });
    for (const type of ['markdown', 'text', 'python', 'typescript', 'jinja', 'wast']) {
      expect(detail.message).toContain(type);
    }
  });

  it('refuses metadata that is not an object, or over 64 KB', async () => {
    await invalid({ title: 'Array', content: 'Metadata array.', metadata: ['a', 'b'] });
    await invalid({ title: 'String', content: 'Metadata string.', metadata: 'tags' });
    await invalid({ title: 'Number', content: 'Metadata number.', metadata: 42 });
    const big = await invalid({
      title: 'Big',
      content: 'Metadata too big.',
      metadata: { blob: 'm'.repeat(64 * 1024) },
    });
    expect(big.message).toContain('64 KB');
  });
});

describe('duplicates', () => {
  it('returns the existing document with 200 duplicate:true and embeds nothing', async () => {
    const content = 'Duplicate detection keeps one copy of identical text.';
    const first = await store(api, alice.accessToken, { title: 'Original', content });
    expect(first.status).toBe(201);
    const before = embedder.documentTexts;
    const again = await store(api, alice.accessToken, { title: 'Another title', content });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    expect(again.body.document_id).toBe(first.body.document_id);
    expect(again.body.title).toBe('Original');
    expect(embedder.documentTexts).toBe(before);
    // The same content in another collection is a different document.
    const elsewhere = await createCollection(api, alice.accessToken, 'dup-elsewhere');
    const other = await store(api, alice.accessToken, {
      title: 'Original',
      content,
      collection_id: elsewhere,
    });
    expect(other.status).toBe(201);
    expect(other.body.document_id).not.toBe(first.body.document_id);
  });

  it('turns 20 concurrent identical stores into exactly one document', async () => {
    const race = await createCollection(api, alice.accessToken, 'race');
    const body = {
      title: 'Raced',
      content: 'Twenty writers race to store this very sentence.',
      collection_id: race,
    };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => store(api, alice.accessToken, body)),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 201]);
    const ids = new Set(responses.map((r) => r.body.document_id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.body.duplicate === true)).toHaveLength(19);
    const listed = await api.get(`/api/v1/documents?collection_id=${race}`, alice.accessToken);
    expect(listed.body.total).toBe(1);
    expect(listed.body.documents.map((d: { document_id: string }) => d.document_id)).toEqual([...ids]);
    expect(await chunkCount(server.handle.db, [...ids][0] as string)).toBe(1);
  });

  it('yields one document when two instances on one database race (no in-memory state needed)', async () => {
    const second = await startServer(
      loadConfig(testEnv(server.database.url ? { DATABASE_URL: server.database.url } : {})),
      {
        database: server.handle,
        embedder,
      },
    );
    try {
      const secondApi = new ApiClient(second.url);
      const race = await createCollection(api, alice.accessToken, 'race-instances');
      const body = {
        title: 'Two doors',
        content: 'Two instances race to store this sentence.',
        collection_id: race,
      };
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store(i % 2 === 0 ? api : secondApi, alice.accessToken, body)),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([...Array(9).fill(200), 201]);
      expect(new Set(responses.map((r) => r.body.document_id)).size).toBe(1);
      const listed = await api.get(`/api/v1/documents?collection_id=${race}`, alice.accessToken);
      expect(listed.body.total).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('get and list', () => {
  let listing: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    listing = await createCollection(api, alice.accessToken, 'listing');
    const docs = [
      { title: 'delta', type: 'text' },
      { title: 'Alpha', type: 'markdown' },
      { title: 'charlie', type: 'python' },
      { title: 'bravo', type: 'text' },
      { title: 'echo', type: 'python' },
    ];
    for (const doc of docs) {
      ids.set(
        doc.title,
        await storeNew(api, alice.accessToken, {
          title: doc.title,
          content: `Listing entry ${doc.title} about sorting.`,
          document_type: doc.type,
          collection_id: listing,
        }),
      );
    }
  });

  const titles = (body: { documents: { title: string }[] }) => body.documents.map((d) => d.title);

  it('pages with limit, offset and total, sorted by title ascending (case-insensitive)', async () => {
    const base = `/api/v1/documents?collection_id=${listing}&sort=title&order=asc`;
    const first = await api.get(`${base}&limit=2&offset=0`, alice.accessToken);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect(titles(first.body)).toEqual(['Alpha', 'bravo']);
    expect(titles((await api.get(`${base}&limit=2&offset=2`, alice.accessToken)).body)).toEqual([
      'charlie',
      'delta',
    ]);
    const last = await api.get(`${base}&limit=2&offset=4`, alice.accessToken);
    expect(titles(last.body)).toEqual(['echo']);
    expect(last.body.total).toBe(5);
    const desc = await api.get(
      `/api/v1/documents?collection_id=${listing}&sort=title&order=desc`,
      alice.accessToken,
    );
    expect(titles(desc.body)).toEqual(['echo', 'delta', 'charlie', 'bravo', 'Alpha']);
  });

  it('lists newest first by default, without content', async () => {
    const response = await api.get(`/api/v1/documents?collection_id=${listing}`, alice.accessToken);
    expect(titles(response.body)).toEqual(['echo', 'bravo', 'charlie', 'Alpha', 'delta']);
    for (const doc of response.body.documents) {
      expect(doc).not.toHaveProperty('content');
      expect(doc.collection_id).toBe(listing);
      expect(doc.collection_name).toBe('listing');
    }
  });

  it('filters by document_type and by collection_id', async () => {
    const python = await api.get(
      `/api/v1/documents?collection_id=${listing}&document_type=python&sort=title&order=asc`,
      alice.accessToken,
    );
    expect(python.body.total).toBe(2);
    expect(titles(python.body)).toEqual(['charlie', 'echo']);
    const all = await api.get('/api/v1/documents?limit=100', alice.accessToken);
    expect(all.body.total).toBeGreaterThan(5);
    const inListing = all.body.documents.filter(
      (d: { collection_id: string }) => d.collection_id === listing,
    );
    expect(inListing).toHaveLength(5);
    const badType = await api.get('/api/v1/documents?document_type=cobol', alice.accessToken);
    expect(badType.status).toBe(422);
  });

  it("answers 404 for another user's collection filter and document", async () => {
    const list = await api.get(`/api/v1/documents?collection_id=${listing}`, bob.accessToken);
    expect(list.status).toBe(404);
    expect(list.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    const doc = await api.get(`/api/v1/documents/${ids.get('Alpha')}`, bob.accessToken);
    expect(doc.status).toBe(404);
    expect(doc.body.detail.code).toBe('DOCUMENT_NOT_FOUND');
    const bobsOwn = await api.get('/api/v1/documents', bob.accessToken);
    expect(bobsOwn.body.documents.map((d: { document_id: string }) => d.document_id)).not.toContain(
      ids.get('Alpha'),
    );
    const garbage = await api.get('/api/v1/documents/not-a-uuid', alice.accessToken);
    expect(garbage.status).toBe(404);
    expect(garbage.body.detail.code).toBe('DOCUMENT_NOT_FOUND');
  });
});

describe('update', () => {
  /** Sections too long for any two to share a chunk (small sibling sections are merged into one). */
  const long = (topic: string) =>
    Array.from({ length: 4 }, (_, i) => `Step ${i + 1} of the ${topic} work is written down here.`).join(' ');
  const sections = (beta: string) =>
    [
      '# Runbook',
      '',
      '## Alpha',
      'The alpha section explains how the orchard apples are picked.',
      long('first'),
      '',
      '## Beta',
      beta,
      long('second'),
      '',
      '## Gamma',
      'The gamma section covers the vineyard grapes at harvest.',
      long('third'),
    ].join('\n');

  it('keeps the content when only the title changes', async () => {
    const content = 'A document whose title will be renamed.';
    const id = await storeNew(api, alice.accessToken, { title: 'Old name', content, metadata: { k: 1 } });
    const response = await api.patch(`/api/v1/documents/${id}`, { title: 'New name' }, alice.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      document_id: id,
      title: 'New name',
      content,
      metadata: { k: 1 },
      content_hash: sha256(content),
    });
    const fetched = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(fetched.body).toMatchObject({ title: 'New name', content, metadata: { k: 1 } });
  });

  it('embeds nothing for a metadata-only change', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Meta',
      content: 'Only its metadata will change.',
      metadata: { v: 1 },
    });
    const before = embedder.documentTexts;
    const response = await api.patch(
      `/api/v1/documents/${id}`,
      { metadata: { v: 2, tag: 'x' } },
      alice.accessToken,
    );
    expect(response.status).toBe(200);
    expect(response.body.metadata).toEqual({ v: 2, tag: 'x' });
    expect(response.body.content).toBe('Only its metadata will change.');
    expect(embedder.documentTexts).toBe(before);
    // null keeps the value, like an omitted field
    const nulls = await api.patch(
      `/api/v1/documents/${id}`,
      { metadata: null, title: null },
      alice.accessToken,
    );
    expect(nulls.status).toBe(200);
    expect(nulls.body).toMatchObject({ title: 'Meta', metadata: { v: 2, tag: 'x' } });
    expect(embedder.documentTexts).toBe(before);
  });

  it('re-embeds only the chunk whose text changed', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Three sections',
      content: sections('The beta section describes the banana plantation.'),
    });
    const stored = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(stored.body.chunk_count).toBe(3);
    const before = embedder.documentTexts;
    const updated = sections('The beta section now describes the blueberry fields.');
    const response = await api.patch(`/api/v1/documents/${id}`, { content: updated }, alice.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ content: updated, chunk_count: 3, content_hash: sha256(updated) });
    const embedded = embedder.documentTextList().slice(before);
    expect(embedded).toHaveLength(1);
    expect(embedded[0]).toContain('blueberry');
    expect(embedded[0]).not.toContain('apples');
    expect(await chunkCount(server.handle.db, id)).toBe(3);
    // The new text is searchable, the old is gone.
    expect(await searchIds(api, alice.accessToken, { query: 'blueberry', mode: 'keyword' })).toContain(id);
    expect(
      await searchIds(api, alice.accessToken, { query: 'banana plantation', mode: 'keyword' }),
    ).not.toContain(id);
  });

  it('refuses a stale expected_updated_at with 409 DOCUMENT_CHANGED and accepts the current one', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Versioned',
      content: 'Optimistic concurrency control.',
    });
    const loaded = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    const first = await api.patch(
      `/api/v1/documents/${id}`,
      { metadata: { edit: 1 }, expected_updated_at: loaded.body.updated_at },
      alice.accessToken,
    );
    expect(first.status).toBe(200);
    const stale = await api.patch(
      `/api/v1/documents/${id}`,
      { metadata: { edit: 2 }, expected_updated_at: loaded.body.updated_at },
      alice.accessToken,
    );
    expect(stale.status).toBe(409);
    expect(stale.body.detail.code).toBe('DOCUMENT_CHANGED');
    const after = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(after.body.metadata).toEqual({ edit: 1 });
    expect(after.body.updated_at).toBe(first.body.updated_at);
  });

  it('refuses content equal to another document of the collection with 409 DUPLICATE_CONTENT', async () => {
    const taken = 'This exact text already belongs to another document.';
    const other = await storeNew(api, alice.accessToken, { title: 'Owner', content: taken });
    const id = await storeNew(api, alice.accessToken, { title: 'Editor', content: 'Text before the clash.' });
    const response = await api.patch(`/api/v1/documents/${id}`, { content: taken }, alice.accessToken);
    expect(response.status).toBe(409);
    expect(response.body.detail.code).toBe('DUPLICATE_CONTENT');
    expect(response.body.detail.message).toContain(other);
    const unchanged = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(unchanged.body.content).toBe('Text before the clash.');
  });

  it("answers 404 for another user's document and 422 for invalid fields", async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Private',
      content: 'Bob must not edit this.',
    });
    const response = await api.patch(`/api/v1/documents/${id}`, { title: 'Hacked' }, bob.accessToken);
    expect(response.status).toBe(404);
    expect(response.body.detail.code).toBe('DOCUMENT_NOT_FOUND');
    const invalid = await api.patch(`/api/v1/documents/${id}`, { content: '   ' }, alice.accessToken);
    expect(invalid.status).toBe(422);
    expect((await api.get(`/api/v1/documents/${id}`, alice.accessToken)).body.title).toBe('Private');
  });
});

describe('move', () => {
  it('moves to another own collection without embedding; scoped search follows it', async () => {
    const archive = await createCollection(api, alice.accessToken, 'archive');
    const id = await storeNew(api, alice.accessToken, {
      title: 'Migrating heron',
      content: 'The grey heron nests near the quarry pond.',
    });
    const before = embedder.documentTexts;
    const moved = await api.post(
      `/api/v1/documents/${id}/move`,
      { target_collection_id: archive },
      alice.accessToken,
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      document_id: id,
      collection_id: archive,
      collection_name: 'archive',
      previous_collection_id: alice.defaultCollectionId,
      content: 'The grey heron nests near the quarry pond.',
    });
    expect(embedder.documentTexts).toBe(before);
    expect((await api.get(`/api/v1/documents/${id}`, alice.accessToken)).body.collection_id).toBe(archive);
    for (const mode of ['keyword', 'semantic', 'hybrid']) {
      expect(
        await searchIds(api, alice.accessToken, { query: 'heron quarry', mode, collection_ids: [archive] }),
      ).toContain(id);
      expect(
        await searchIds(api, alice.accessToken, {
          query: 'heron quarry',
          mode,
          collection_ids: [alice.defaultCollectionId],
        }),
      ).not.toContain(id);
    }
  });

  it('keeps a CAT inside its collection', async () => {
    const boxed = await createCollection(api, alice.accessToken, 'boxed');
    const cat = await createCat(api, alice.accessToken, boxed, 'read_write');
    const id = await storeNew(api, cat, { title: 'Boxed', content: 'Stays in the box.' });
    const out = await api.post(
      `/api/v1/documents/${id}/move`,
      { target_collection_id: alice.defaultCollectionId },
      cat,
    );
    expect(out.status).toBe(404);
    expect(out.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    expect((await api.get(`/api/v1/documents/${id}`, alice.accessToken)).body.collection_id).toBe(boxed);
    // Nor can it pull a document in from elsewhere.
    const outside = await storeNew(api, alice.accessToken, {
      title: 'Outside',
      content: 'Not reachable by the box token.',
    });
    const pull = await api.post(`/api/v1/documents/${outside}/move`, { target_collection_id: boxed }, cat);
    expect(pull.status).toBe(404);
    expect(pull.body.detail.code).toBe('DOCUMENT_NOT_FOUND');
    // Nor another user's collection through a user credential.
    const toBob = await api.post(
      `/api/v1/documents/${outside}/move`,
      { target_collection_id: bob.defaultCollectionId },
      alice.accessToken,
    );
    expect(toBob.status).toBe(404);
    expect(toBob.body.detail.code).toBe('COLLECTION_NOT_FOUND');
  });

  it('refuses when the target already holds the same content (409) and leaves the document in place', async () => {
    const target = await createCollection(api, alice.accessToken, 'move-target');
    const content = 'Identical text living in two collections.';
    await storeNew(api, alice.accessToken, { title: 'Target copy', content, collection_id: target });
    const id = await storeNew(api, alice.accessToken, { title: 'Source copy', content });
    const response = await api.post(
      `/api/v1/documents/${id}/move`,
      { target_collection_id: target },
      alice.accessToken,
    );
    expect(response.status).toBe(409);
    expect(response.body.detail.code).toBe('DUPLICATE_CONTENT');
    expect((await api.get(`/api/v1/documents/${id}`, alice.accessToken)).body.collection_id).toBe(
      alice.defaultCollectionId,
    );
  });
});

describe('delete', () => {
  it('removes the document, its chunks and its keyword statistics', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Xylograph notes',
      content: 'A xylograph is a print made from a woodblock.',
    });
    expect(await chunkCount(server.handle.db, id)).toBe(1);
    expect(await searchIds(api, alice.accessToken, { query: 'xylograph', mode: 'keyword' })).toContain(id);

    const other = await api.delete(`/api/v1/documents/${id}`, bob.accessToken);
    expect(other.status).toBe(404);
    expect(other.body.detail.code).toBe('DOCUMENT_NOT_FOUND');

    const response = await api.delete(`/api/v1/documents/${id}`, alice.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.document_id).toBe(id);
    const fetched = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(fetched.status).toBe(404);
    expect(fetched.body.detail.code).toBe('DOCUMENT_NOT_FOUND');
    for (const mode of ['keyword', 'semantic', 'hybrid']) {
      expect(
        await searchIds(api, alice.accessToken, {
          query: 'xylograph woodblock print',
          mode,
          max_results: 50,
        }),
      ).not.toContain(id);
    }
    expect(await chunkCount(server.handle.db, id)).toBe(0);
    const stats = await queryRows<{ n: number }>(
      server.handle.db,
      sql`select count(*)::int as n from term_stats
          where collection_id = ${alice.defaultCollectionId}::uuid
            and term in (select lexeme from unnest(to_tsvector('english', 'xylograph woodblock')))`,
    );
    expect(stats[0]?.n).toBe(0);
    const again = await api.delete(`/api/v1/documents/${id}`, alice.accessToken);
    expect(again.status).toBe(404);
  });
});

describe('with the embedding provider down', () => {
  let host: TestServer;
  let hostApi: ApiClient;
  let subject: TestServer;
  let subjectApi: ApiClient;
  let carol: TestUser;
  let keep: string;
  let movable: string;
  let doomed: string;
  let archive: string;

  beforeAll(async () => {
    // A second ainstruct serves /v1/embeddings from the real local model (the suite's worker is shared).
    host = await startTestServer({ EMBEDDING_WORKERS: '1' }, { embedder });
    hostApi = new ApiClient(host.url);
    const owner = await createUser(hostApi, 'host');
    const pat = await createPat(hostApi, owner.accessToken);
    subject = await startRemoteEmbeddingServer({ url: host.url, token: pat.token }, 2);
    subjectApi = new ApiClient(subject.url);
    carol = await createUser(subjectApi, 'carol');
    archive = await createCollection(subjectApi, carol.accessToken, 'archive');
    keep = await storeNew(subjectApi, carol.accessToken, {
      title: 'Pelican survey',
      content: 'The pelican colony counted four hundred nests this spring.',
    });
    movable = await storeNew(subjectApi, carol.accessToken, {
      title: 'Movable',
      content: 'A note about otters to be archived.',
    });
    doomed = await storeNew(subjectApi, carol.accessToken, {
      title: 'Doomed',
      content: 'A note about beavers to be deleted.',
    });
    // The outage: the embedding server goes away.
    await host.close();
  });

  afterAll(async () => {
    await subject?.close();
  });

  it('answers store with 503 EMBEDDING_UNAVAILABLE and stores nothing', async () => {
    const before = await subjectApi.get('/api/v1/documents', carol.accessToken);
    const response = await store(subjectApi, carol.accessToken, {
      title: 'Lost',
      content: 'Written while the embedder is down.',
    });
    expect(response.status).toBe(503);
    expect(response.body.detail.code).toBe('EMBEDDING_UNAVAILABLE');
    const after = await subjectApi.get('/api/v1/documents', carol.accessToken);
    expect(after.body.total).toBe(before.body.total);
    expect(after.body.documents.map((d: { title: string }) => d.title)).not.toContain('Lost');
    const [orphans] = await queryRows<{ n: number }>(
      subject.handle.db,
      sql`select count(*)::int as n from chunks where content like '%embedder is down%'`,
    );
    expect(orphans?.n).toBe(0);
  });

  it('answers a content update with 503 and keeps the old version intact and findable', async () => {
    const before = await subjectApi.get(`/api/v1/documents/${keep}`, carol.accessToken);
    const response = await subjectApi.patch(
      `/api/v1/documents/${keep}`,
      { content: 'The flamingo colony replaced the old survey.' },
      carol.accessToken,
    );
    expect(response.status).toBe(503);
    expect(response.body.detail.code).toBe('EMBEDDING_UNAVAILABLE');
    const after = await subjectApi.get(`/api/v1/documents/${keep}`, carol.accessToken);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    expect(await chunkCount(subject.handle.db, keep)).toBe(1);
    expect(
      await searchIds(subjectApi, carol.accessToken, { query: 'pelican nests', mode: 'keyword' }),
    ).toEqual([keep]);
    expect(await searchIds(subjectApi, carol.accessToken, { query: 'flamingo', mode: 'keyword' })).toEqual(
      [],
    );
  });

  it('still changes metadata, moves and deletes, which need no embedding', async () => {
    const meta = await subjectApi.patch(
      `/api/v1/documents/${keep}`,
      { metadata: { checked: true } },
      carol.accessToken,
    );
    expect(meta.status).toBe(200);
    expect(meta.body.metadata).toEqual({ checked: true });

    const moved = await subjectApi.post(
      `/api/v1/documents/${movable}/move`,
      { target_collection_id: archive },
      carol.accessToken,
    );
    expect(moved.status).toBe(200);
    expect(moved.body.collection_id).toBe(archive);
    expect(
      await searchIds(subjectApi, carol.accessToken, {
        query: 'otters',
        mode: 'keyword',
        collection_ids: [archive],
      }),
    ).toEqual([movable]);

    const deleted = await subjectApi.delete(`/api/v1/documents/${doomed}`, carol.accessToken);
    expect(deleted.status).toBe(200);
    expect((await subjectApi.get(`/api/v1/documents/${doomed}`, carol.accessToken)).status).toBe(404);
    expect(await chunkCount(subject.handle.db, doomed)).toBe(0);
    expect(await searchIds(subjectApi, carol.accessToken, { query: 'beavers', mode: 'keyword' })).toEqual([]);
  });

  it('reports search modes that need the embedder as 503, keyword search keeps working', async () => {
    const semantic = await search(subjectApi, carol.accessToken, { query: 'pelican', mode: 'semantic' });
    expect(semantic.status).toBe(503);
    expect(semantic.body.detail.code).toBe('EMBEDDING_UNAVAILABLE');
    const keyword = await search(subjectApi, carol.accessToken, { query: 'pelican', mode: 'keyword' });
    expect(keyword.status).toBe(200);
    expect(keyword.body.results[0].document_id).toBe(keep);
  });
});
