import { randomUUID } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeQdrant, startFakeQdrant } from './helpers/fake-qdrant.js';

/**
 * The Qdrant stand-in, driven with the official client: what the vector store's tests rely on it to do like
 * Qdrant (filters, paging, errors, the API key). Runs once per database like the rest of the suite; it touches none.
 */

let fake: FakeQdrant;
let client: QdrantClient;

beforeAll(async () => {
  fake = await startFakeQdrant({ apiKey: 'secret' });
  client = new QdrantClient({ url: fake.url, apiKey: 'secret', checkCompatibility: false });
});
afterAll(() => fake.close());

const status = async (call: Promise<unknown>): Promise<number | undefined> => {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as { status?: number }).status;
  }
};

describe('fake Qdrant', () => {
  it('refuses a wrong API key and creates a collection once (409 after)', async () => {
    const stranger = new QdrantClient({ url: fake.url, apiKey: 'wrong', checkCompatibility: false });
    expect(await status(stranger.collectionExists('c0'))).toBe(401);
    await client.createCollection('c0', { vectors: { size: 3, distance: 'Cosine' } });
    expect(await status(client.createCollection('c0', { vectors: { size: 3, distance: 'Cosine' } }))).toBe(
      409,
    );
    expect((await client.collectionExists('c0')).exists).toBe(true);
    expect(await status(client.count('missing'))).toBe(404);
    await client.deleteCollection('c0');
    expect((await client.collectionExists('c0')).exists).toBe(false);
  });

  it('rejects fields it does not implement instead of ignoring them', async () => {
    await client.createCollection('c1', { vectors: { size: 2, distance: 'Cosine' } });
    const call = client.query('c1', { query: [1, 0], limit: 3, params: { hnsw_ef: 10 } });
    expect(await status(call)).toBe(400);
    expect(
      await status(client.upsert('c1', { wait: true, points: [{ id: randomUUID(), vector: [1, 2, 3] }] })),
    ).toBe(400);
  });

  it('answers filtered nearest-neighbour queries and scroll pages like an exact search', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            vector: fc.array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), {
              minLength: 4,
              maxLength: 4,
            }),
            tenant: fc.constantFrom('a', 'b', 'c'),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
        fc.integer({ min: 1, max: 7 }),
        async (rows, tenants, pageSize) => {
          const name = `p_${randomUUID()}`;
          await client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } });
          const points = rows.map((row) => ({
            id: randomUUID(),
            vector: row.vector.map((x) => x + 0.01),
            payload: { tenant: row.tenant },
          }));
          await client.upsert(name, { wait: true, points });
          const query = [0.3, -0.2, 0.9, 0.1];
          const unit = (v: number[]) => {
            const n = Math.hypot(...v);
            return v.map((x) => x / n);
          };
          const expected = points
            .filter((p) => tenants.includes(p.payload.tenant))
            .map((p) => ({
              id: p.id,
              score: unit(p.vector).reduce((s, x, i) => s + x * (unit(query)[i] ?? 0), 0),
            }))
            .sort((a, b) => b.score - a.score);
          const filter = { must: [{ key: 'tenant', match: { any: tenants } }] };
          const got = await client.query(name, { query, filter, limit: 5, with_payload: false });
          expect(got.points.map((p) => p.score)).toEqual(
            expected.slice(0, 5).map((e) => expect.closeTo(e.score, 5)),
          );

          const seen: string[] = [];
          let offset: string | undefined;
          do {
            const page = await client.scroll(name, {
              limit: pageSize,
              with_payload: false,
              ...(offset ? { offset } : {}),
            });
            seen.push(...page.points.map((p) => String(p.id)));
            offset = page.next_page_offset ? String(page.next_page_offset) : undefined;
          } while (offset);
          expect(seen.sort()).toEqual(points.map((p) => p.id).sort());

          await client.delete(name, {
            wait: true,
            filter: { must_not: [{ key: 'tenant', match: { value: 'a' } }] },
          });
          expect((await client.count(name, { exact: true })).count).toBe(
            points.filter((p) => p.payload.tenant === 'a').length,
          );
          await client.deleteCollection(name);
        },
      ),
      { numRuns: 25, seed: 12 },
    );
  });

  it('goes down and comes back with its data, and injects failures on request', async () => {
    await client.createCollection('c2', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('c2', { wait: true, points: [{ id: 7, vector: [1, 1] }] });
    await fake.stop();
    await expect(client.count('c2')).rejects.toThrow();
    await fake.start();
    expect((await client.count('c2')).count).toBe(1);
    fake.failNext(1, 503);
    expect(await status(client.count('c2'))).toBe(503);
    expect((await client.count('c2')).count).toBe(1);
  });
});
