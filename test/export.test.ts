import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLine } from '../src/modules/export/export.schemas.js';
import { EXPORT_PAGE_SIZE } from '../src/modules/export/export.service.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createCat, createCollection, createPat, storeNew } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let api: ApiClient;
let alice: TestUser;
let bob: TestUser;
let notes: string;
let other: string;
const stored: string[] = [];
/** More than two pages, so the stream has to follow the keyset across page boundaries. */
const DOCUMENTS = EXPORT_PAGE_SIZE * 2 + 5;

async function exportOf(collectionId: string, token?: string) {
  const response = await fetch(`${server.url}/api/v1/collections/${collectionId}/export`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { response, text: await response.text() };
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => exportLine.parse(JSON.parse(line)));

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
  [alice, bob] = await Promise.all([createUser(api, 'exporter'), createUser(api, 'outsider')]);
  notes = await createCollection(api, alice.accessToken, 'Notes ünïcode');
  other = await createCollection(api, alice.accessToken, 'other');
  for (let i = 0; i < DOCUMENTS; i++) {
    stored.push(
      await storeNew(api, alice.accessToken, {
        title: `Note ${i}`,
        content: `Note number ${i}: the lab opens at eight.\n`,
        document_type: i % 2 ? 'text' : 'markdown',
        metadata: { index: i, ...(i % 3 === 0 ? { source_path: `notes/n${i}.md` } : {}) },
        collection_id: notes,
      }),
    );
  }
  await storeNew(api, alice.accessToken, {
    title: 'Elsewhere',
    content: 'not in notes',
    collection_id: other,
  });
}, 300_000);

afterAll(async () => {
  await server?.close();
});

describe('GET /api/v1/collections/{id}/export', () => {
  it('streams every document once, in creation order, as JSON lines of the shared shape', async () => {
    const { response, text } = await exportOf(notes, alice.accessToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Notes _n_code.jsonl"; filename*=UTF-8''${encodeURIComponent('Notes ünïcode.jsonl')}`,
    );
    const lines = parseLines(text);
    expect(lines.map((line) => line.id)).toEqual(stored);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatchObject({
        title: `Note ${i}`,
        content: `Note number ${i}: the lab opens at eight.\n`,
        document_type: i % 2 ? 'text' : 'markdown',
        path: i % 3 === 0 ? `notes/n${i}.md` : null,
      });
      expect(line.metadata.index).toBe(i);
    }
  });

  it("lets a PAT of the owner export any of the owner's collections", async () => {
    const pat = await createPat(api, alice.accessToken);
    const [a, b] = await Promise.all([exportOf(notes, pat.token), exportOf(other, pat.token)]);
    expect(parseLines(a.text)).toHaveLength(DOCUMENTS);
    expect(parseLines(b.text).map((line) => line.title)).toEqual(['Elsewhere']);
  });

  it('lets a collection token of either permission export its own collection, and nothing else (404)', async () => {
    for (const permission of ['read', 'read_write'] as const) {
      const cat = await createCat(api, alice.accessToken, notes, permission);
      const own = await exportOf(notes, cat);
      expect(own.response.status).toBe(200);
      expect(parseLines(own.text)).toHaveLength(DOCUMENTS);
      const sibling = await exportOf(other, cat);
      expect(sibling.response.status).toBe(404);
      expect(JSON.parse(sibling.text).detail.code).toBe('COLLECTION_NOT_FOUND');
    }
  });

  it("answers 404 for another user's collection and for one that does not exist, 401 without a credential", async () => {
    const foreign = await exportOf(notes, bob.accessToken);
    expect(foreign.response.status).toBe(404);
    expect(foreign.text).not.toContain('Note number');
    const bobPat = await createPat(api, bob.accessToken);
    expect((await exportOf(other, bobPat.token)).response.status).toBe(404);
    expect((await exportOf('00000000-0000-4000-8000-000000000000', alice.accessToken)).response.status).toBe(
      404,
    );
    expect((await exportOf('not-a-uuid', alice.accessToken)).response.status).toBe(404);
    expect((await exportOf(notes)).response.status).toBe(401);
  });

  it('is described in the OpenAPI document', async () => {
    const spec = await api.get('/api/v1/openapi.json');
    expect(spec.body.paths['/api/v1/collections/{collection_id}/export']?.get).toBeDefined();
  });
});
