import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/client.js';
import { type RunningServer, startServer } from '../src/server.js';
import { runCliWith } from './helpers/cli.js';
import { ApiClient, createUser, expectError, promote, type TestUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { createCollection, search, searchIds, storeNew } from './helpers/documents.js';
import { type FakeQdrant, startFakeQdrant } from './helpers/fake-qdrant.js';
import { testEnv } from './helpers/server.js';

/**
 * VECTOR_STORE=qdrant against the Qdrant stand-in, on both databases: PostgreSQL stays the source of truth, the
 * outbox carries every write to Qdrant whatever Qdrant does meanwhile, and what Qdrant answers is checked
 * against PostgreSQL before anyone sees it.
 */

const API_KEY = 'qdrant-test-key';
const PREFIX = `vs_${randomBytes(4).toString('hex')}`;

let fake: FakeQdrant;
let qdrant: QdrantClient;
let database: TestDatabase | undefined;
let dataDir: string | undefined;
let dbEnv: Record<string, string>;
let server: RunningServer;
let api: ApiClient;
let alice: TestUser;
let bob: TestUser;

const storeEnv = (): Record<string, string> => ({
  ...dbEnv,
  VECTOR_STORE: 'qdrant',
  QDRANT_URL: fake.url,
  QDRANT_API_KEY: API_KEY,
  QDRANT_COLLECTION_PREFIX: PREFIX,
  QDRANT_TIMEOUT_MS: '2000',
  EMBEDDING_WORKERS: '1',
});

beforeAll(async () => {
  fake = await startFakeQdrant({ apiKey: API_KEY });
  qdrant = new QdrantClient({ url: fake.url, apiKey: API_KEY, checkCompatibility: false });
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'ainstruct-qdrant-'));
    dbEnv = { DATA_DIR: dataDir };
  }
  server = await startServer(loadConfig(testEnv(storeEnv())));
  api = new ApiClient(server.url);
  alice = await createUser(api, 'qa');
  bob = await createUser(api, 'qb');
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  await fake?.close();
});

/** The one Qdrant collection the server writes to. */
function collectionName(): string {
  const names = fake.collections().filter((name) => name.startsWith(`${PREFIX}_`));
  expect(names).toHaveLength(1);
  return names[0] as string;
}

/** What Qdrant holds, as chunk id → collection id. */
function qdrantPoints(): Map<string, unknown> {
  return new Map(fake.points(collectionName()).map((p) => [p.id, p.payload.collection_id]));
}

/** What PostgreSQL holds, the same way. */
async function postgresChunks(): Promise<Map<string, unknown>> {
  const rows = await queryRows<{ id: string; collection_id: string }>(
    server.ctx.db,
    sql`select id::text, collection_id::text from chunks`,
  );
  return new Map(rows.map((r) => [r.id, r.collection_id]));
}

async function ready(): Promise<{ status: number; body: any }> {
  const response = await api.get('/ready');
  return { status: response.status, body: response.body };
}

/** Waits until the outbox is empty (the worker retries with backoff of up to a minute). */
async function drained(): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const { body } = await ready();
    if (body.vectors?.available && body.vectors.outbox?.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(body.vectors)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function embed(text: string): Promise<number[]> {
  const response = await api.post('/v1/embeddings', { input: text }, alice.accessToken);
  expect(response.status).toBe(200);
  return response.body.data[0].embedding as number[];
}

describe('VECTOR_STORE=qdrant', { timeout: 240_000 }, () => {
  it('keeps chunks in one shared collection with a tenant index, and finds by meaning', async () => {
    const id = await storeNew(api, alice.accessToken, {
      title: 'Sourdough',
      content: 'Feed the starter with flour and water every twelve hours to keep the yeast alive.',
    });
    await drained();
    expect(qdrantPoints()).toEqual(await postgresChunks());
    const info = fake.requests.filter((r) => r.path.endsWith('/index'));
    expect(info.length).toBeGreaterThanOrEqual(2);
    const hits = await searchIds(api, alice.accessToken, {
      query: 'how to maintain a bread culture',
      mode: 'semantic',
    });
    expect(hits[0]).toBe(id);
    // The other tenant's search goes to the same Qdrant collection and finds nothing of Alice's.
    expect(await searchIds(api, bob.accessToken, { query: 'bread culture', mode: 'semantic' })).toEqual([]);
  });

  it('acknowledges writes while Qdrant is down, queues them, and catches up when it is back', async () => {
    await fake.stop();
    try {
      const kept = await storeNew(api, alice.accessToken, {
        title: 'Tides',
        content: 'The moon pulls the oceans, so coastal water rises and falls twice a day.',
      });
      const dropped = await storeNew(api, alice.accessToken, {
        title: 'Volcanoes',
        content: 'Magma reaches the surface through vents and cools into basalt.',
      });
      expect((await api.delete(`/api/v1/documents/${dropped}`, alice.accessToken)).status).toBe(200);
      const edited = await api.patch(
        `/api/v1/documents/${kept}`,
        { content: 'The moon and the sun pull the oceans: tides rise and fall twice a day on most coasts.' },
        alice.accessToken,
      );
      expect(edited.status).toBe(200);

      const down = await ready();
      expect(down.status).toBe(200); // PostgreSQL answers: the instance stays in rotation
      expect(down.body.checks.vectors).toMatch(/^degraded: /);
      expect(down.body.vectors).toMatchObject({ store: 'qdrant', available: false });
      expect(down.body.vectors.outbox.pending).toBeGreaterThan(0);
      const metrics = (await api.get('/metrics')).body as string;
      expect(metrics).toMatch(/^ainstruct_vector_store_up 0$/m);
      expect(metrics).toMatch(/^ainstruct_vector_outbox_pending [1-9]\d*$/m);

      // Searching while down: hybrid answers from its keyword leg and says so; semantic cannot.
      const hybrid = await search(api, alice.accessToken, { query: 'tides coast moon', mode: 'hybrid' });
      expect(hybrid.status).toBe(200);
      expect(hybrid.body.degraded).toMatchObject({ reason: 'VECTOR_STORE_UNAVAILABLE' });
      expect(hybrid.body.results.map((r: { document_id: string }) => r.document_id)).toContain(kept);
      expectError(
        await search(api, alice.accessToken, { query: 'tides', mode: 'semantic' }),
        503,
        'VECTOR_STORE_UNAVAILABLE',
      );
    } finally {
      await fake.start();
    }
    await drained();
    expect(qdrantPoints()).toEqual(await postgresChunks());
    const metrics = (await api.get('/metrics')).body as string;
    expect(metrics).toMatch(/^ainstruct_vector_store_up 1$/m);
    expect(metrics).toMatch(/^ainstruct_vector_outbox_pending 0$/m);
    const hybrid = await search(api, alice.accessToken, {
      query: 'why the sea level changes',
      mode: 'hybrid',
    });
    expect(hybrid.body.degraded).toBeUndefined();
  });

  it('never returns what PostgreSQL does not have or the caller may not see, whatever Qdrant says', async () => {
    const query = 'glacier ice flows slowly downhill under its own weight';
    const deleted = await storeNew(api, alice.accessToken, { title: 'Glaciers', content: query });
    const secret = await storeNew(api, bob.accessToken, { title: 'Bob glaciers', content: query });
    await drained();
    const [deletedChunk] = fake.points(collectionName()).filter((p) => p.payload.document_id === deleted);
    const [bobChunk] = fake.points(collectionName()).filter((p) => p.payload.document_id === secret);
    expect(deletedChunk && bobChunk).toBeTruthy();
    expect((await api.delete(`/api/v1/documents/${deleted}`, alice.accessToken)).status).toBe(200);
    await drained();

    // A lagging Qdrant (an old snapshot restored, say) still holds the deleted chunk, and a corrupted payload
    // files Bob's chunk under Alice's collection; both are the nearest points to the query.
    const vector = await embed(query);
    await qdrant.upsert(collectionName(), {
      wait: true,
      points: [
        { id: deletedChunk?.id as string, vector, payload: { ...deletedChunk?.payload } },
        {
          id: bobChunk?.id as string,
          vector,
          payload: { ...bobChunk?.payload, collection_id: alice.defaultCollectionId },
        },
      ],
    });
    for (const mode of ['semantic', 'hybrid']) {
      const ids = await searchIds(api, alice.accessToken, { query, mode });
      expect(ids).not.toContain(deleted);
      expect(ids).not.toContain(secret);
    }
    // Bob still finds his document by its words; by meaning once the payload is repaired (below, by the rebuild).
    expect(await searchIds(api, bob.accessToken, { query, mode: 'keyword' })).toContain(secret);
  });

  it('refills a collection Qdrant lost, from PostgreSQL, without being told', async () => {
    await drained();
    const before = await postgresChunks();
    await qdrant.deleteCollection(collectionName());
    // The next write finds the collection gone (404), creates it again and queues a full sweep.
    await storeNew(api, alice.accessToken, {
      title: 'Bees',
      content: 'Worker bees dance to tell the hive where the flowers are.',
    });
    const deadline = Date.now() + 90_000;
    const refilled = () =>
      fake.collections().some((name) => name.startsWith(`${PREFIX}_`)) &&
      fake.points(collectionName()).length > before.size;
    while (!refilled() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await drained();
    expect(qdrantPoints()).toEqual(await postgresChunks());
  });

  it('`ainstruct reindex --vectors` rebuilds Qdrant from PostgreSQL and drops points it does not know', async () => {
    await drained();
    const name = collectionName();
    const stray = '00000000-0000-4000-8000-000000000001';
    const some = fake.points(name).slice(0, 2);
    await qdrant.delete(name, { wait: true, points: some.map((p) => p.id) });
    await qdrant.upsert(name, {
      wait: true,
      points: [
        { id: stray, vector: await embed('stray'), payload: { collection_id: alice.defaultCollectionId } },
      ],
    });
    expect(qdrantPoints()).not.toEqual(await postgresChunks());

    const result = await runCliWith(storeEnv(), ['reindex', '--vectors']);
    expect(result.stderr + result.stdout).toMatch(new RegExp(`Rebuilt ${name}: \\d+ vectors`));
    expect(result.code).toBe(0);
    expect(qdrantPoints()).toEqual(await postgresChunks());
  });

  it('ends with Qdrant holding exactly the chunks of PostgreSQL after any writes and outages', async () => {
    const target = await createCollection(api, alice.accessToken, `moves-${randomBytes(3).toString('hex')}`);
    const words = ['river', 'granite', 'orchard', 'comet', 'lantern', 'harbour', 'meadow', 'copper'];
    type Step =
      | { kind: 'store'; words: string[] }
      | { kind: 'update'; pick: number; words: string[] }
      | { kind: 'move'; pick: number }
      | { kind: 'delete'; pick: number }
      | { kind: 'outage' }
      | { kind: 'recover' };
    const text = fc.subarray(words, { minLength: 2 });
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('store' as const), words: text }),
      fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), words: text }),
      fc.record({ kind: fc.constant('move' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.constant({ kind: 'outage' as const }),
      fc.constant({ kind: 'recover' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 10 }), async (steps) => {
        const live: string[] = [];
        try {
          for (const s of steps) {
            if (s.kind === 'outage') await fake.stop();
            else if (s.kind === 'recover') await fake.start();
            else if (s.kind === 'store') {
              const content = `${s.words.join(' ')} ${randomBytes(4).toString('hex')}`;
              live.push(await storeNew(api, alice.accessToken, { title: s.words[0] ?? 't', content }));
            } else if (live.length > 0) {
              const id = live[s.pick % live.length] as string;
              if (s.kind === 'update') {
                const content = `${s.words.join(' and ')} ${randomBytes(4).toString('hex')}`;
                expect(
                  (await api.patch(`/api/v1/documents/${id}`, { content }, alice.accessToken)).status,
                ).toBe(200);
              } else if (s.kind === 'move') {
                const moved = await api.post(
                  `/api/v1/documents/${id}/move`,
                  { target_collection_id: target },
                  alice.accessToken,
                );
                expect(moved.status).toBe(200);
              } else {
                expect((await api.delete(`/api/v1/documents/${id}`, alice.accessToken)).status).toBe(200);
                live.splice(live.indexOf(id), 1);
              }
            }
          }
        } finally {
          await fake.start().catch(() => {}); // already listening
        }
        await drained();
        expect(qdrantPoints()).toEqual(await postgresChunks());
      }),
      { numRuns: 6, seed: 1204 },
    );
  });

  it('deleting a collection or a user removes their points', async () => {
    const doomed = await createCollection(api, bob.accessToken, 'doomed');
    await storeNew(api, bob.accessToken, {
      title: 'Doomed',
      content: 'This collection is about to be deleted with its notes.',
      collection_id: doomed,
    });
    await drained();
    expect([...qdrantPoints().values()]).toContain(doomed);
    expect((await api.delete(`/api/v1/collections/${doomed}`, bob.accessToken)).status).toBe(200);
    await drained();
    expect([...qdrantPoints().values()]).not.toContain(doomed);

    const carol = await createUser(api, 'qc');
    await storeNew(api, carol.accessToken, {
      title: 'Carol',
      content: 'Carol leaves and takes her notes along.',
    });
    await drained();
    expect([...qdrantPoints().values()]).toContain(carol.defaultCollectionId);
    const admin = await createUser(api, 'qadmin');
    await promote(api, admin.userId);
    expect((await api.delete(`/api/v1/admin/users/${carol.userId}`, admin.accessToken)).status).toBe(200);
    await drained();
    expect([...qdrantPoints().values()]).not.toContain(carol.defaultCollectionId);
    expect(qdrantPoints()).toEqual(await postgresChunks());
  });
});
