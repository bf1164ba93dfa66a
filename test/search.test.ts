import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARAPHRASE_DOCS, PARAPHRASE_QUESTIONS } from '../bench/paraphrase-data.js';
import { countTokens } from '../src/ingest/tokenizer.js';
import type { SearchResult as Result } from '../src/modules/search/search.service.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { type CountingEmbedder, countingLocalEmbedder } from './helpers/counting-embedder.js';
import { chunkCount, createCat, createCollection, search, searchIds, storeNew } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';

type Mode = 'keyword' | 'semantic' | 'hybrid';
const MODES: Mode[] = ['keyword', 'semantic', 'hybrid'];

let embedder: CountingEmbedder;
let server: TestServer;
let api: ApiClient;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  embedder = countingLocalEmbedder(1);
  await embedder.warmup();
  server = await startTestServer({ EMBEDDING_WORKERS: '1' }, { embedder });
  api = new ApiClient(server.url);
  alice = await createUser(api, 'alice');
  bob = await createUser(api, 'bob');
});

afterAll(async () => {
  await server?.close();
  await embedder?.close();
});

async function results(token: string, body: Record<string, unknown>): Promise<Result[]> {
  const response = await search(api, token, body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.results as Result[];
}

describe('keyword and semantic legs', () => {
  let kb: string;
  const keyOf = new Map<string, string>();
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    kb = await createCollection(api, alice.accessToken, 'kb');
    for (const doc of PARAPHRASE_DOCS) {
      const id = await storeNew(api, alice.accessToken, {
        title: doc.title,
        content: doc.content,
        collection_id: kb,
      });
      keyOf.set(id, doc.key);
      idOf.set(doc.key, id);
    }
  });

  it('keyword finds exact terms without requiring all of them', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Spice ledger',
      content: 'Zanzibar shipments of cloves, nutmeg and cardamom were recorded in the ledger.',
    });
    const exact = await results(alice.accessToken, { query: 'cardamom', mode: 'keyword' });
    expect(exact.map((r) => r.document_id)).toEqual([id]);
    // One matching word among several that match nothing: an AND query would find nothing.
    const mixed = await results(alice.accessToken, {
      query: 'cardamom helicopter submarine volcano',
      mode: 'keyword',
    });
    expect(mixed.map((r) => r.document_id)).toEqual([id]);
    expect(mixed[0]?.ranks).toEqual({ keyword: 1, semantic: null });
    expect(mixed[0]?.scores.semantic).toBeNull();
    expect(mixed[0]?.score).toBeGreaterThan(0);
    expect(mixed[0]?.scores.keyword).toBeGreaterThan(0);
    const none = await results(alice.accessToken, { query: 'helicopter submarine volcano', mode: 'keyword' });
    expect(none).toEqual([]);
  });

  it('semantic finds a paraphrase that shares no word with the document', async () => {
    const question = 'Where can I leave my vehicle?';
    const parking = idOf.get('parking');
    const keyword = await results(alice.accessToken, {
      query: question,
      mode: 'keyword',
      collection_ids: [kb],
    });
    expect(keyword.map((r) => r.document_id)).not.toContain(parking);
    const semantic = await results(alice.accessToken, {
      query: question,
      mode: 'semantic',
      collection_ids: [kb],
    });
    expect(semantic[0]?.document_id).toBe(parking);
    expect(semantic[0]?.ranks).toEqual({ keyword: null, semantic: 1 });
    expect(semantic[0]?.scores.semantic).toBeGreaterThan(0);
  });

  it('hybrid is not worse than the better leg on paraphrased questions (MRR@10)', async () => {
    const mrr: Record<Mode, number> = { keyword: 0, semantic: 0, hybrid: 0 };
    for (const mode of MODES) {
      let sum = 0;
      for (const { question, key } of PARAPHRASE_QUESTIONS) {
        const ids = await searchIds(api, alice.accessToken, {
          query: question,
          mode,
          collection_ids: [kb],
          max_results: 10,
          // The ranking is what is compared here; the floor is tested on its own below.
          min_score: 0,
        });
        const keys = [...new Set(ids.map((id) => keyOf.get(id)))];
        const position = keys.indexOf(key);
        if (position >= 0) sum += 1 / (position + 1);
      }
      mrr[mode] = sum / PARAPHRASE_QUESTIONS.length;
    }
    console.log(
      `paraphrase MRR@10 (${PARAPHRASE_QUESTIONS.length} questions, ${PARAPHRASE_DOCS.length} documents): ` +
        `keyword ${mrr.keyword.toFixed(3)}, semantic ${mrr.semantic.toFixed(3)}, hybrid ${mrr.hybrid.toFixed(3)}`,
    );
    expect(mrr.hybrid).toBeGreaterThanOrEqual(Math.max(mrr.keyword, mrr.semantic) - 0.02);
    // Sanity: the legs really differ here, so the comparison means something.
    expect(mrr.semantic).toBeGreaterThan(mrr.keyword);
  });
});

describe('filters', () => {
  let filters: string;
  let filters2: string;
  const ids: Record<'f1' | 'f2' | 'f3' | 'f4', string> = { f1: '', f2: '', f3: '', f4: '' };
  const created: Record<string, string> = {};

  beforeAll(async () => {
    filters = await createCollection(api, alice.accessToken, 'filters');
    filters2 = await createCollection(api, alice.accessToken, 'filters2');
    const docs = [
      {
        key: 'f1' as const,
        title: 'Quokka guide',
        content: '# Quokka habitat\n\nThe quokka lives on Rottnest island off the coast of Perth.',
        document_type: 'markdown',
        metadata: { team: 'red', level: 1 },
        collection_id: filters,
      },
      {
        key: 'f2' as const,
        title: 'Quokka sightings',
        content: 'Quokka sightings were logged by the blue team at dawn.',
        document_type: 'text',
        metadata: { team: 'blue' },
        collection_id: filters,
      },
      {
        key: 'f3' as const,
        title: 'quokka.py',
        content: 'def quokka_census():\n    """Count every quokka seen today."""\n    return 42',
        document_type: 'python',
        metadata: { team: 'red', tags: ['x', 'y'] },
        collection_id: filters,
      },
      {
        key: 'f4' as const,
        title: 'Quokka photos',
        content: 'Photographs of a quokka smiling on the mainland.',
        document_type: 'text',
        metadata: { team: 'green' },
        collection_id: filters2,
      },
    ];
    for (const { key, ...body } of docs) {
      const response = await api.post('/api/v1/documents', body, alice.accessToken);
      expect(response.status).toBe(201);
      ids[key] = response.body.document_id;
      created[key] = response.body.created_at;
    }
  });

  const found = async (body: Record<string, unknown>) =>
    new Set(
      await searchIds(api, alice.accessToken, { query: 'quokka', mode: 'keyword', max_results: 50, ...body }),
    );

  it('narrows by collection_id and collection_ids', async () => {
    expect(await found({ collection_ids: [filters] })).toEqual(new Set([ids.f1, ids.f2, ids.f3]));
    expect(await found({ collection_ids: [filters, filters2] })).toEqual(new Set(Object.values(ids)));
    expect(await found({ collection_id: filters2 })).toEqual(new Set([ids.f4]));
  });

  it('narrows by one document type or a list of them', async () => {
    expect(await found({ document_type: 'python' })).toEqual(new Set([ids.f3]));
    expect(await found({ document_type: ['text', 'python'] })).toEqual(new Set([ids.f2, ids.f3, ids.f4]));
    expect(await found({ document_type: ['text'], collection_ids: [filters] })).toEqual(new Set([ids.f2]));
    const semantic = await results(alice.accessToken, {
      query: 'quokka',
      mode: 'semantic',
      document_type: 'python',
      max_results: 50,
    });
    expect(semantic.map((r) => r.document_id)).toEqual([ids.f3]);
    const bad = await search(api, alice.accessToken, { query: 'quokka', document_type: 'cobol' });
    expect(bad.status).toBe(422);
  });

  it('narrows by metadata containment', async () => {
    expect(await found({ metadata: { team: 'red' } })).toEqual(new Set([ids.f1, ids.f3]));
    expect(await found({ metadata: { team: 'red', level: 1 } })).toEqual(new Set([ids.f1]));
    expect(await found({ metadata: { tags: ['y'] } })).toEqual(new Set([ids.f3]));
    expect(await found({ metadata: { team: 'purple' } })).toEqual(new Set());
    const hybrid = await results(alice.accessToken, {
      query: 'quokka',
      mode: 'hybrid',
      metadata: { team: 'blue' },
      max_results: 50,
    });
    expect(hybrid.map((r) => r.document_id)).toEqual([ids.f2]);
    const bad = await search(api, alice.accessToken, { query: 'quokka', metadata: ['team'] });
    expect(bad.status).toBe(422);
  });

  it('narrows by creation and update time', async () => {
    expect(await found({ created_after: created.f2 })).toEqual(new Set([ids.f2, ids.f3, ids.f4]));
    expect(await found({ created_before: created.f2 })).toEqual(new Set([ids.f1]));
    expect(await found({ created_after: created.f2, created_before: created.f3 })).toEqual(new Set([ids.f2]));
    const touched = await api.patch(
      `/api/v1/documents/${ids.f1}`,
      { metadata: { team: 'red', level: 1, touched: true } },
      alice.accessToken,
    );
    expect(touched.status).toBe(200);
    expect(await found({ updated_after: touched.body.updated_at })).toEqual(new Set([ids.f1]));
    expect(await found({ updated_before: touched.body.updated_at, collection_ids: [filters] })).toEqual(
      new Set([ids.f2, ids.f3]),
    );
    const bad = await search(api, alice.accessToken, { query: 'quokka', created_after: 'yesterday' });
    expect(bad.status).toBe(422);
  });

  it('returns results with real document, collection, heading and rank fields', async () => {
    const response = await search(api, alice.accessToken, {
      query: 'quokka Rottnest island',
      collection_ids: [filters],
    });
    expect(response.status).toBe(200);
    expect(response.body.query).toBe('quokka Rottnest island');
    expect(response.body.mode).toBe('hybrid');
    const [top] = response.body.results as Result[];
    expect(top).toEqual({
      document_id: ids.f1,
      title: 'Quokka guide',
      chunk_index: 0,
      content: '# Quokka habitat\n\nThe quokka lives on Rottnest island off the coast of Perth.',
      score: expect.any(Number),
      collection: 'filters',
      collection_id: filters,
      document_type: 'markdown',
      heading_path: ['Quokka guide', 'Quokka habitat'],
      truncated: false,
      ranks: { keyword: 1, semantic: expect.any(Number) },
      scores: { keyword: expect.any(Number), semantic: expect.any(Number), rerank: null },
    });
    expect(top?.score).toBeGreaterThan(0);
    for (const result of response.body.results as Result[]) {
      expect([ids.f1, ids.f2, ids.f3]).toContain(result.document_id);
      expect(result.ranks.semantic).toBeGreaterThanOrEqual(1);
    }
    expect(response.body.total_results).toBeGreaterThanOrEqual(response.body.results.length);
    expect(response.body.tokens_used).toBe(countTokens(response.body.formatted_context));
    // No reranker is configured (RERANK_PROVIDER defaults to none): nothing reranked, nothing reported.
    expect(response.body.rerank).toBeNull();
    expect(response.body.formatted_context).toContain('Quokka guide');
    expect(response.body.formatted_context).toContain('Rottnest island');
  });
});

describe('token budget and limits', () => {
  let long: string;
  const originals = new Map<string, string>();

  beforeAll(async () => {
    long = await createCollection(api, alice.accessToken, 'long');
    const topics = ['cliffs', 'quarries', 'deserts'];
    for (const topic of topics) {
      const content = Array.from(
        { length: 12 },
        (_, i) =>
          `Sandstone of the ${topic} forms layer ${i + 1} as wind and water press grains of quartz together over ages.`,
      ).join(' ');
      const id = await storeNew(api, alice.accessToken, {
        title: `Sandstone ${topic}`,
        content,
        document_type: 'text',
        collection_id: long,
      });
      originals.set(id, content);
    }
  });

  it('never exceeds max_tokens, counted in cl100k tokens', async () => {
    for (const mode of MODES) {
      for (const budget of [30, 100, 500]) {
        const response = await search(api, alice.accessToken, {
          query: 'sandstone quartz',
          mode,
          collection_ids: [long],
          max_tokens: budget,
          max_results: 10,
        });
        expect(response.status).toBe(200);
        const {
          tokens_used,
          formatted_context,
          results: hits,
        } = response.body as {
          tokens_used: number;
          formatted_context: string;
          results: Result[];
        };
        expect(tokens_used).toBeLessThanOrEqual(budget);
        expect(countTokens(formatted_context)).toBeLessThanOrEqual(budget);
        expect(tokens_used).toBe(countTokens(formatted_context));
        if (budget >= 100) expect(hits.length).toBeGreaterThanOrEqual(1);
        for (const hit of hits) {
          const original = originals.get(hit.document_id) ?? '';
          expect(original.startsWith(hit.content)).toBe(true);
          expect(hit.truncated).toBe(hit.content !== original);
        }
      }
    }
  });

  it('returns whole results when the budget allows', async () => {
    const response = await search(api, alice.accessToken, {
      query: 'sandstone',
      mode: 'keyword',
      collection_ids: [long],
      max_tokens: 5000,
    });
    expect(response.status).toBe(200);
    expect(response.body.results).toHaveLength(3);
    for (const hit of response.body.results as Result[]) {
      expect(hit.truncated).toBe(false);
      expect(hit.content).toBe(originals.get(hit.document_id));
    }
  });

  it('validates max_tokens, max_results, query and mode', async () => {
    const invalid = async (body: Record<string, unknown>) => {
      const response = await search(api, alice.accessToken, { query: 'sandstone', ...body });
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.detail.code).toBe('VALIDATION_ERROR');
    };
    await invalid({ max_tokens: 20_001 });
    await invalid({ max_tokens: 0 });
    await invalid({ max_results: 0 });
    await invalid({ max_results: 51 });
    await invalid({ query: '' });
    await invalid({ query: '   ' });
    await invalid({ mode: 'fuzzy' });
    const fifty = await search(api, alice.accessToken, {
      query: 'sandstone',
      max_results: 50,
      max_tokens: 20_000,
    });
    expect(fifty.status).toBe(200);
    const one = await search(api, alice.accessToken, { query: 'sandstone', max_results: 1 });
    expect(one.body.results).toHaveLength(1);
  });
});

describe('tenancy', () => {
  let aliceNotes: string;
  let aliceOther: string;
  let inNotes: string;
  let inOther: string;
  let bobsOwn: string;

  beforeAll(async () => {
    aliceNotes = await createCollection(api, alice.accessToken, 'tenancy-notes');
    aliceOther = await createCollection(api, alice.accessToken, 'tenancy-other');
    inNotes = await storeNew(api, alice.accessToken, {
      title: 'Marmot notes',
      content: 'The alpine marmot whistles to warn the colony.',
      collection_id: aliceNotes,
    });
    inOther = await storeNew(api, alice.accessToken, {
      title: 'Marmot burrows',
      content: 'A marmot burrow can be several metres deep.',
      collection_id: aliceOther,
    });
    bobsOwn = await storeNew(api, bob.accessToken, {
      title: 'Bob marmot',
      content: 'Bob once photographed a marmot.',
    });
  });

  it('a CAT searches only its own collection', async () => {
    // Alice herself sees both collections.
    const own = new Set(
      await searchIds(api, alice.accessToken, { query: 'marmot', mode: 'keyword', max_results: 50 }),
    );
    expect(own).toEqual(new Set([inNotes, inOther]));
    const cat = await createCat(api, alice.accessToken, aliceNotes, 'read');
    for (const mode of MODES) {
      const hits = await results(cat, { query: 'marmot', mode, max_results: 50 });
      expect(hits.map((r) => r.document_id)).toEqual([inNotes]);
      expect(hits.every((r) => r.collection_id === aliceNotes)).toBe(true);
    }
    const other = await search(api, cat, { query: 'marmot', collection_ids: [aliceOther] });
    expect(other.status).toBe(404);
    expect(other.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    const mixed = await search(api, cat, { query: 'marmot', collection_ids: [aliceNotes, aliceOther] });
    expect(mixed.status).toBe(404);
  });

  it("another user never sees alice's documents", async () => {
    const everything = new Set(
      (await api.get('/api/v1/documents?limit=100', alice.accessToken)).body.documents.map(
        (d: { document_id: string }) => d.document_id,
      ),
    );
    expect(everything.has(inNotes)).toBe(true);
    for (const mode of MODES) {
      const hits = await results(bob.accessToken, {
        query: 'marmot alpine burrow quokka sandstone',
        mode,
        max_results: 50,
      });
      expect(hits.map((r) => r.document_id)).toContain(bobsOwn);
      expect(hits.filter((r) => everything.has(r.document_id))).toEqual([]);
      expect(hits.every((r) => r.collection_id === bob.defaultCollectionId)).toBe(true);
    }
    const theirs = await search(api, bob.accessToken, { query: 'marmot', collection_ids: [aliceNotes] });
    expect(theirs.status).toBe(404);
    expect(theirs.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    const single = await search(api, bob.accessToken, { query: 'marmot', collection_id: aliceNotes });
    expect(single.status).toBe(404);
    expect(single.body.detail.code).toBe('COLLECTION_NOT_FOUND');
    const unauthenticated = await search(api, '', { query: 'marmot' });
    expect(unauthenticated.status).toBe(401);
  });
});

describe('a small tenant in a big database (HNSW path)', () => {
  // Scopes above this many chunks are searched through the HNSW index rather than exactly.
  const EXACT_SCAN_LIMIT = 2;
  let big: TestServer;
  let bigApi: ApiClient;
  let small: TestUser;
  let small2: string;
  const smallIds: Record<'coffee' | 'scarf' | 'bicycle', string> = { coffee: '', scarf: '', bicycle: '' };

  beforeAll(async () => {
    big = await startTestServer(
      {
        EMBEDDING_WORKERS: '1',
        SEARCH_EXACT_SCAN_LIMIT: String(EXACT_SCAN_LIMIT),
        // Chunks too small for two of the other tenant's sections to share one, so each of its documents is
        // four vectors in the index (at the default limit its small sections would be merged into one).
        CHUNK_MAX_TOKENS: '32',
        CHUNK_OVERLAP_TOKENS: '4',
      },
      { embedder },
    );
    bigApi = new ApiClient(big.url);
    small = await createUser(bigApi, 'small');
    const large = await createUser(bigApi, 'large');
    small2 = await createCollection(bigApi, small.accessToken, 'small');
    smallIds.coffee = await storeNew(bigApi, small.accessToken, {
      title: 'Descaling the espresso machine',
      content: 'Run the citric acid cycle through the espresso machine every Monday to remove limescale.',
      collection_id: small2,
    });
    smallIds.scarf = await storeNew(bigApi, small.accessToken, {
      title: 'Knitting a scarf',
      content: 'Cast on forty stitches of merino wool and knit in garter stitch.',
      collection_id: small2,
    });
    smallIds.bicycle = await storeNew(bigApi, small.accessToken, {
      title: 'Bicycle gears',
      content: 'Adjust the rear derailleur limit screws until the chain shifts cleanly.',
      collection_id: small2,
    });
    // The other tenant: 60 documents of 4 sections each, all about the very topic of the small tenant's query,
    // so the nearest neighbours of that query in the whole index are theirs.
    const machines = [
      'espresso machine',
      'coffee maker',
      'bean grinder',
      'milk frother',
      'kettle',
      'moka pot',
    ];
    const verbs = [
      'descale',
      'clean',
      'rinse',
      'decalcify',
      'flush',
      'scrub',
      'maintain',
      'service',
      'wipe',
      'polish',
    ];
    const bodies = Array.from({ length: 60 }, (_, i) => {
      const machine = machines[i % machines.length];
      const verb = verbs[Math.floor(i / machines.length) % verbs.length];
      return [
        `## Weekly care ${i}`,
        `How to ${verb} the ${machine} in the office kitchen, step ${i}.`,
        `## Limescale ${i}`,
        `Limescale builds up in the ${machine}; ${verb} it with citric acid, batch ${i}.`,
        `## Schedule ${i}`,
        `The ${machine} is ${verb}ed every Monday morning by team ${i}.`,
        `## Supplies ${i}`,
        `Descaling tablets for the ${machine} are in cupboard ${i}.`,
      ].join('\n\n');
    });
    const theirs: string[] = [];
    for (let i = 0; i < bodies.length; i += 6) {
      theirs.push(
        ...(await Promise.all(
          bodies
            .slice(i, i + 6)
            .map((content, j) =>
              storeNew(bigApi, large.accessToken, { title: `Coffee corner ${i + j}`, content }),
            ),
        )),
      );
    }
    expect(await chunkCount(big.handle.db, theirs[0] ?? '')).toBe(4);
  });

  afterAll(async () => {
    await big?.close();
  });

  it('returns the small tenant its own best hit first and only its documents', async () => {
    const listed = await bigApi.get('/api/v1/documents', small.accessToken);
    const chunks = (listed.body.documents as { chunk_count: number }[]).reduce(
      (sum, d) => sum + d.chunk_count,
      0,
    );
    expect(chunks).toBeGreaterThan(EXACT_SCAN_LIMIT);
    const mine = new Set(Object.values(smallIds));
    for (const mode of ['semantic', 'hybrid'] as const) {
      for (const scope of [{}, { collection_ids: [small2] }]) {
        const response = await search(bigApi, small.accessToken, {
          query: 'How do I descale the espresso machine?',
          mode,
          max_results: 10,
          // Every document of the tenant must be reachable, the weak matches too.
          min_score: 0,
          ...scope,
        });
        expect(response.status).toBe(200);
        const hits = (response.body.results as Result[]).map((r) => r.document_id);
        expect(hits[0]).toBe(smallIds.coffee);
        // All three of the tenant's documents are found, however far the other tenant's vectors crowd them.
        expect(new Set(hits)).toEqual(mine);
      }
    }
  });
});

describe('relevance scores and the min_score floor', () => {
  let kb: string;
  const answered = 'How long is a password reset link valid?';
  // Nothing in the knowledge base is about this.
  const unanswerable = 'What is the boiling point of liquid nitrogen at sea level?';

  beforeAll(async () => {
    kb = await createCollection(api, alice.accessToken, 'relevance');
    for (const doc of PARAPHRASE_DOCS) {
      await storeNew(api, alice.accessToken, { title: doc.title, content: doc.content, collection_id: kb });
    }
  });

  const run = (body: Record<string, unknown>) =>
    results(alice.accessToken, { collection_ids: [kb], max_results: 20, ...body });

  it('scores every result in [0, 1], ordered best first, in every mode', async () => {
    for (const mode of MODES) {
      for (const query of [answered, unanswerable, 'password']) {
        const hits = await run({ query, mode, min_score: 0 });
        // No word of the unanswerable question occurs in the documents, so keyword mode has nothing.
        if (mode !== 'keyword' || query !== unanswerable) {
          expect(hits.length, `${mode}: ${query}`).toBeGreaterThan(0);
        }
        for (const hit of hits) {
          expect(hit.score).toBeGreaterThanOrEqual(0);
          expect(hit.score).toBeLessThanOrEqual(1);
        }
        const scores = hits.map((h) => h.score);
        expect(scores, `${mode}: ${query}`).toEqual([...scores].sort((a, b) => b - a));
      }
    }
  });

  it('means the same across queries: an answered question outscores one without an answer', async () => {
    for (const mode of ['semantic', 'hybrid'] as const) {
      const [good] = await run({ query: answered, mode, min_score: 0 });
      const [bad] = await run({ query: unanswerable, mode, min_score: 0 });
      expect(good?.title).toBe('Resetting your login credentials');
      expect(good?.score, mode).toBeGreaterThan(bad?.score ?? 1);
    }
  });

  it('leaves out what scores below the floor, by default and as asked', async () => {
    const everything = await run({ query: unanswerable, min_score: 0 });
    const floored = await run({ query: unanswerable });
    expect(floored.length).toBeLessThan(everything.length);
    // 0.05: the default SEARCH_MIN_SCORE.
    for (const hit of floored) expect(hit.score).toBeGreaterThanOrEqual(0.05);
    const good = await run({ query: answered });
    expect(good[0]?.title).toBe('Resetting your login credentials');

    const top = everything[0]?.score ?? 0;
    const response = await search(api, alice.accessToken, {
      query: unanswerable,
      collection_ids: [kb],
      min_score: Math.min(1, top + 1e-9),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      results: [],
      total_results: 0,
      tokens_used: 0,
      formatted_context: '',
    });
  });

  it('refuses a floor outside [0, 1] with a clear message', async () => {
    for (const min_score of [-0.1, 1.5, '0.5']) {
      const response = await search(api, alice.accessToken, { query: answered, min_score });
      expect(response.status, String(min_score)).toBe(422);
      expect(JSON.stringify(response.body)).toContain('min_score');
    }
  });
});
