import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createCollection, searchIds, storeNew } from './helpers/documents.js';
import { expectKeywordIndexExact } from './helpers/integrity.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The keyword index (postings and BM25 statistics) is maintained incrementally inside each write's transaction.
 * These tests compare it with the same figures recomputed from the chunks themselves after every kind of write.
 */

let server: TestServer;
let api: ApiClient;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  api = new ApiClient(server.url);
  alice = await createUser(api, 'alice');
});
afterAll(async () => {
  await server?.close();
});

const expectIndexExact = () => expectKeywordIndexExact(server.handle.db);

/** `paragraphs` filler paragraphs (about 9 tokens each) between a first and a last sentence. */
function longText(first: string, last: string, paragraphs = 120): string {
  const filler = Array.from(
    { length: paragraphs },
    (_, i) => `Paragraph ${i} discusses ordinary matters at length.`,
  );
  return [`The ${first} appears here.`, ...filler, `Finally the ${last} appears.`].join('\n\n');
}

describe('keyword index', () => {
  it('stays exact through store, update, move, metadata change and delete', async () => {
    const archive = await createCollection(api, alice.accessToken, 'archive');
    const long = await storeNew(api, alice.accessToken, {
      title: 'Long notes',
      content: longText('quasar', 'pulsar'),
    });
    const short = await storeNew(api, alice.accessToken, { title: 'Short', content: 'A quasar is bright.' });
    await expectIndexExact();

    const updated = await api.patch(
      `/api/v1/documents/${long}`,
      { content: longText('quasar', 'magnetar') },
      alice.accessToken,
    );
    expect(updated.status).toBe(200);
    await expectIndexExact();

    expect(
      (await api.patch(`/api/v1/documents/${short}`, { metadata: { tag: 'x' } }, alice.accessToken)).status,
    ).toBe(200);
    const moved = await api.post(
      `/api/v1/documents/${long}/move`,
      { target_collection_id: archive },
      alice.accessToken,
    );
    expect(moved.status).toBe(200);
    await expectIndexExact();

    expect((await api.delete(`/api/v1/documents/${short}`, alice.accessToken)).status).toBe(200);
    await expectIndexExact();
    expect((await api.delete(`/api/v1/collections/${archive}`, alice.accessToken)).status).toBe(200);
    await expectIndexExact();
    const left = await queryRows<{ n: number }>(
      server.handle.db,
      sql`select count(*)::int as n from chunk_terms`,
    );
    expect(left[0]?.n).toBe(0);
  });

  it('ranks a document cut in two by the chunk limit as the whole it is', async () => {
    const collection = await createCollection(api, alice.accessToken, 'astronomy');
    // Just over the limit: two chunks, the first with two of the query's terms, the second with the third.
    const split = await storeNew(api, alice.accessToken, {
      title: 'Observing log',
      content: longText('blazar and quasar', 'heliopause', 55),
      collection_id: collection,
    });
    // One chunk as long as the split document's first, with the same two terms only.
    const partial = await storeNew(api, alice.accessToken, {
      title: 'Catalogue',
      content: longText('blazar and quasar', 'end', 35),
      collection_id: collection,
    });
    // The third term is no rarer than the others, so no chunk wins on it alone; unrelated documents make
    // the corpus large enough for document and chunk statistics to be comparable, as in any real collection.
    const others = [['heliopause', 'end'], ...Array.from({ length: 6 }, (_, i) => [`topic${i}`, 'end'])];
    for (const [first = '', last = ''] of others) {
      await storeNew(api, alice.accessToken, {
        title: `Note on ${first}`,
        content: longText(first, last, 35),
        collection_id: collection,
      });
    }
    const chunks = await queryRows<{ document_id: string; n: number }>(
      server.handle.db,
      sql`select document_id, count(*)::int as n from chunks
          where collection_id = ${collection}::uuid group by document_id`,
    );
    expect(Object.fromEntries(chunks.map((c) => [c.document_id, c.n]))).toMatchObject({
      [split]: 2,
      [partial]: 1,
    });
    const ids = await searchIds(api, alice.accessToken, {
      query: 'blazar quasar heliopause',
      mode: 'keyword',
      collection_id: collection,
    });
    expect(ids[0]).toBe(split);
    expect(ids).toContain(partial);
  });
});
