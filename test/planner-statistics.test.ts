import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { storeNew } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * After bulk writes the product refreshes the planner statistics itself (autovacuum may be off, and PGlite has
 * none): the planner's row estimate for the chunks follows what was stored, without anyone running ANALYZE.
 */
let server: TestServer;
let api: ApiClient;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  api = new ApiClient(server.url);
  user = await createUser(api, 'stats');
});
afterAll(async () => {
  await server?.close();
});

/** What the planner believes the chunks table holds (-1 or 0 before any statistics were gathered). */
async function estimatedChunks(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    server.handle.db,
    sql`select reltuples::float8 as n from pg_class where relname = 'chunks'`,
  );
  return row?.n ?? -1;
}

async function storedChunks(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(server.handle.db, sql`select count(*)::int as n from chunks`);
  return row?.n ?? 0;
}

describe('planner statistics', () => {
  it('follow bulk stores without a manual ANALYZE', async () => {
    expect(await estimatedChunks()).toBeLessThanOrEqual(0);
    const paragraph = (i: number) => `Paragraph ${i} of the tide tables, harbour ${i % 7}.`;
    for (let batch = 0; batch < 3; batch++) {
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          storeNew(api, user.accessToken, {
            title: `Tides ${batch}-${i}`,
            content: Array.from(
              { length: 3 },
              (_, p) => `## Part ${p}\n\n${paragraph(batch * 100 + i * 3 + p)}`,
            ).join('\n\n'),
          }),
        ),
      );
      await server.ctx.statistics.settled();
      const stored = await storedChunks();
      const estimated = await estimatedChunks();
      // Refreshed at most 50 rows + 10 % behind what is there.
      expect(estimated, `batch ${batch}: ${stored} chunks stored`).toBeGreaterThan(0);
      expect(stored - estimated).toBeLessThanOrEqual(50 + 0.1 * stored);
    }
  });
});
