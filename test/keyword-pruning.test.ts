import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../bench/lib/synthetic-corpus.js';
import {
  type KeywordHits,
  type KeywordTrace,
  keywordRepository,
} from '../src/modules/search/keyword.repository.js';
import type { SearchFilter } from '../src/modules/search/search-filter.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createCollection, storeNew } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The keyword leg prunes with MaxScore (src/modules/search/keyword-pruning.ts): common terms' postings are read
 * only for chunks that can still reach the top k. Pruning must never change the answer, so every generated
 * query is answered with the smallest first try (only the rarest term read in full: the most pruning) and with
 * every posting read (the full scan), and the two must agree.
 */

const FULL_SCAN = { essentialBudget: Number.POSITIVE_INFINITY };
const MOST_PRUNING = { essentialBudget: 0 };

/** Made-up words (the stemmer leaves them apart), drawn with a steep Zipf law: a few are in almost every chunk. */
const VOCABULARY = Array.from({ length: 60 }, (_, i) => {
  const syllables = ['ka', 'lo', 'mi', 'ru', 'te', 'vo', 'zi', 'pa'];
  return `${syllables[i % 8]}${syllables[Math.floor(i / 8) % 8]}x${i}`;
});

function corpusText(random: () => number, words: number): string {
  const weights = VOCABULARY.map((_, r) => 1 / (r + 1) ** 1.2);
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let target = random() * total;
    for (let r = 0; r < weights.length; r++) {
      target -= weights[r] as number;
      if (target <= 0) return VOCABULARY[r] as string;
    }
    return VOCABULARY[0] as string;
  };
  const sentences: string[] = [];
  for (let n = 0; n < words; ) {
    const length = 4 + Math.floor(random() * 8);
    sentences.push(`${Array.from({ length }, pick).join(' ')}.`);
    n += length;
  }
  return sentences.join(' ');
}

let server: TestServer;
let api: ApiClient;
let user: TestUser;
const collections: string[] = [];

beforeAll(async () => {
  // Small chunks, so many documents have several and the document-level score takes part.
  server = await startTestServer({
    CHUNK_MAX_TOKENS: '48',
    CHUNK_OVERLAP_TOKENS: '8',
    EMBEDDING_WORKERS: '1',
  });
  api = new ApiClient(server.url);
  user = await createUser(api, 'pruning');
  collections.push(await createCollection(api, user.accessToken, 'first'));
  collections.push(await createCollection(api, user.accessToken, 'second'));
  const random = prng(1307);
  const texts = Array.from({ length: 90 }, (_, i) =>
    corpusText(random, 10 + Math.floor(random() * 110 * (i % 3))),
  );
  // Exact duplicates tie on every score: the order among them must still be the full scan's. A collection
  // refuses a duplicate, so each copy goes to the other one (index parity picks the collection).
  texts.push(texts[3] as string, texts[10] as string);
  for (const [i, content] of texts.entries()) {
    await storeNew(api, user.accessToken, {
      title: `Note ${i}`,
      content,
      collection_id: collections[i % 2] as string,
      metadata: { parity: i % 2 === 0 ? 'even' : 'odd', third: i % 3 },
    });
  }
}, 300_000);
afterAll(async () => {
  await server?.close();
});

const EPSILON = 1e-9;
const close = (a: number, b: number) => Math.abs(a - b) <= EPSILON * Math.max(1, Math.abs(a), Math.abs(b));

/** Equal up to the order of float additions: same scores in order, same chunks except among ties at the end. */
function expectSameAnswer(pruned: KeywordHits, full: KeywordHits, label: string) {
  expect(pruned.hits.length, label).toBe(full.hits.length);
  expect(close(pruned.ceiling, full.ceiling), label).toBe(true);
  const fullById = new Map(full.hits.map((h) => [h.id, h]));
  const last = full.hits.at(-1)?.score ?? 0;
  pruned.hits.forEach((hit, i) => {
    expect(close(hit.score, (full.hits[i] as { score: number }).score), `${label} #${i}`).toBe(true);
    const twin = fullById.get(hit.id);
    if (twin) {
      expect(close(hit.score, twin.score), `${label} ${hit.id}`).toBe(true);
      expect(hit.matched, `${label} ${hit.id}`).toBe(twin.matched);
    } else {
      // Only a tie with the last hit kept can be swapped for another chunk.
      expect(close(hit.score, last), `${label}: ${hit.id} is not in the full scan's answer`).toBe(true);
    }
  });
}

describe('keyword pruning', () => {
  it('answers every query exactly as a scan of every posting does', async () => {
    const word = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...VOCABULARY.slice(0, 8)) },
      { weight: 3, arbitrary: fc.constantFrom(...VOCABULARY) },
      { weight: 1, arbitrary: fc.constant('unheardofword') },
    );
    const filters = fc.constantFrom<(c: string[]) => SearchFilter>(
      (c) => ({ collectionIds: c }),
      (c) => ({ collectionIds: [c[0] as string] }),
      (c) => ({ collectionIds: c, metadata: { parity: 'even' } }),
      (c) => ({ collectionIds: c, metadata: { third: 2 } }),
    );
    let pruned = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(word, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1, 2, 5, 10, 100),
        filters,
        fc.constantFrom(MOST_PRUNING, { essentialBudget: 40 }, { essentialBudget: 4_000 }),
        async (words, limit, makeFilter, pruning) => {
          const query = words.join(' ');
          const filter = makeFilter(collections);
          const trace: KeywordTrace = { tries: 0, essential: 0, terms: 0 };
          const db = server.handle.db;
          const got = await keywordRepository.search(db, query, filter, limit, undefined, pruning, trace);
          const full = await keywordRepository.search(db, query, filter, limit, undefined, FULL_SCAN);
          expectSameAnswer(got, full, `"${query}" limit ${limit} ${JSON.stringify(filter.metadata ?? {})}`);
          if (trace.essential < trace.terms) pruned++;
        },
      ),
      { numRuns: 600, seed: 20261207 },
    );
    // The property is only worth something if pruning really happened on a good share of the queries.
    expect(pruned).toBeGreaterThan(30);
  }, 180_000);

  it('gives as its top k the first k of its top 100 (keyword mode asks only for what it returns)', async () => {
    const word = fc.constantFrom(...VOCABULARY);
    await fc.assert(
      fc.asyncProperty(
        fc.array(word, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 20 }),
        async (words, k) => {
          const query = words.join(' ');
          const filter = { collectionIds: collections };
          const db = server.handle.db;
          const few = await keywordRepository.search(db, query, filter, k);
          const many = await keywordRepository.search(db, query, filter, 100);
          expectSameAnswer(few, { ...many, hits: many.hits.slice(0, k) }, `"${query}" top ${k}`);
        },
      ),
      { numRuns: 150, seed: 20261208 },
    );
  }, 120_000);

  it('reads only the rarest terms in full when they decide the top results', async () => {
    const trace: KeywordTrace = { tries: 0, essential: 0, terms: 0 };
    // The rarest word of the vocabulary plus the three commonest: those cannot outscore a chunk with it.
    const query = `${VOCABULARY.slice(0, 3).join(' ')} ${VOCABULARY[45]}`;
    const full = await keywordRepository.search(
      server.handle.db,
      query,
      { collectionIds: collections },
      1,
      undefined,
      FULL_SCAN,
    );
    const got = await keywordRepository.search(
      server.handle.db,
      query,
      { collectionIds: collections },
      1,
      undefined,
      MOST_PRUNING,
      trace,
    );
    expectSameAnswer(got, full, query);
    expect(got.hits).toHaveLength(1);
    expect(trace).toEqual({ tries: 1, essential: 1, terms: 4 });
  });

  it('finds nothing, with no ceiling, for a query of stop words only', async () => {
    const got = await keywordRepository.search(
      server.handle.db,
      'the and of',
      { collectionIds: collections },
      10,
    );
    expect(got).toEqual({ hits: [], ceiling: 0 });
  });
});
