import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.js';
import { loadMigrations } from '../src/db/migrate.js';
import { type RunningServer, startServer } from '../src/server.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { type CountingEmbedder, countingLocalEmbedder } from './helpers/counting-embedder.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { createPat, store } from './helpers/documents.js';
import { call, connectMcp, ok } from './helpers/mcp.js';
import { testEnv } from './helpers/server.js';

/**
 * Three instances on one fresh PostgreSQL database and the machine's Redis (a key prefix of this run's own),
 * started at the same moment and driven round-robin: nothing one of them keeps in memory may be needed by
 * another. Each instance has its own connection pool, its own Redis connection and its own in-process state;
 * they share only the database, Redis and (to spare the machine's two cores) the embedding model.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PER_MINUTE = 30;
const FAILED_AUTH_BUDGET = 6;

if (TEST_DB !== 'postgres') {
  console.warn(
    'multi-instance: skipped on TEST_DB=pglite (embedded PGlite has exactly one owner by design); run with TEST_DB=postgres',
  );
}

describe.runIf(TEST_DB === 'postgres')('three instances, one database, one Redis', () => {
  const prefix = `ainstruct-test:${randomBytes(6).toString('hex')}:`;
  let database: TestDatabase;
  let handles: DatabaseHandle[] = [];
  let servers: RunningServer[] = [];
  let apis: ApiClient[] = [];
  let embedder: CountingEmbedder;
  let user: TestUser;
  let started: PromiseSettledResult<RunningServer>[] = [];
  const at = (i: number) => apis[i % apis.length] as ApiClient;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url: database.url, poolSize: 4 })));
    embedder = countingLocalEmbedder();
    const config = loadConfig(
      testEnv({
        DATABASE_URL: database.url ?? '',
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
        RATE_LIMIT_FAILED_AUTH_PER_MINUTE: String(FAILED_AUTH_BUDGET),
        TRUST_PROXY: 'true',
      }),
    );
    // All three at the same moment on the empty database: migrations must run once, nobody may fail.
    started = await Promise.allSettled(
      handles.map((handle) => startServer(config, { database: handle, embedder })),
    );
    servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    apis = servers.map((server) => new ApiClient(server.url));
    user = await createUser(at(0), 'multi');
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const handle of handles) await handle.close();
    await embedder?.close();
    await database?.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('starts all three at once and applies each migration exactly once', async () => {
    expect(started.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const rows = await queryRows<{ tag: string; n: number }>(
      handles[0]?.db as DatabaseHandle['db'],
      sql`select tag, count(*)::int as n from ainstruct_migrations group by tag order by tag`,
    );
    expect(rows).toEqual(
      loadMigrations()
        .map((m) => ({ tag: m.tag, n: 1 }))
        .sort((a, b) => a.tag.localeCompare(b.tag)),
    );
    for (const api of apis) expect((await api.get('/ready')).status).toBe(200);
  });

  it('serves one user round-robin over REST and MCP: each instance sees what the others wrote', async () => {
    const login = await at(1).post('/api/v1/auth/login', {
      username: user.username,
      password: user.password,
    });
    expect(login.status).toBe(200);
    const token = login.body.access_token as string;
    const created = await at(2).post('/api/v1/collections', { name: 'shared-notes' }, token);
    expect(created.status).toBe(201);
    const collectionId = created.body.collection_id as string;
    const stored = await store(at(0), token, {
      title: 'Lighthouses',
      content: 'A lighthouse keeper trims the lamp wick every evening before dusk.',
      collection_id: collectionId,
    });
    expect(stored.status).toBe(201);
    const found = await at(1).post(
      '/api/v1/documents/search',
      { query: 'lamp wick', mode: 'keyword', collection_id: collectionId },
      token,
    );
    expect(found.status).toBe(200);
    expect(found.body.results.map((r: { document_id: string }) => r.document_id)).toContain(
      stored.body.document_id,
    );
    expect((await at(2).get(`/api/v1/documents/${stored.body.document_id}`, token)).status).toBe(200);

    // MCP on each instance with one PAT: store on one, read and search on the others.
    const pat = (await createPat(at(0), token)).token;
    const clients = await Promise.all(servers.map((server) => connectMcp(server.url, pat)));
    try {
      const viaMcp = ok(
        await call(clients[1] as (typeof clients)[number], 'store_document_tool', {
          title: 'Tides',
          content: 'Spring tides come with the new and the full moon.',
          collection_id: collectionId,
        }),
      );
      const fetched = ok(
        await call(clients[2] as (typeof clients)[number], 'get_document_tool', {
          document_id: viaMcp.document_id,
        }),
      );
      expect(fetched.title).toBe('Tides');
      const searched = ok(
        await call(clients[0] as (typeof clients)[number], 'search_documents_tool', {
          query: 'spring tides full moon',
          collection_id: collectionId,
        }),
      );
      expect(JSON.stringify(searched.results)).toContain(String(viaMcp.document_id));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });

  it('refuses a PAT on every instance the moment it is revoked on one', async () => {
    const pat = await createPat(at(0), user.accessToken);
    for (let i = 0; i < 3; i++) expect((await at(i).get('/api/v1/collections', pat.token)).status).toBe(200);
    expect((await at(0).delete(`/api/v1/auth/pat/${pat.id}`, user.accessToken)).status).toBe(200);
    for (let i = 1; i < 3; i++) expect((await at(i).get('/api/v1/collections', pat.token)).status).toBe(401);
    expect((await at(0).get('/api/v1/collections', pat.token)).status).toBe(401);
  });

  it('holds the per-credential rate limit across instances, not per instance', async () => {
    const pat = await createPat(at(0), user.accessToken);
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE + 15; i++)
      statuses.push((await at(i).get('/api/v1/collections', pat.token)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_MINUTE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('holds the failed-authentication budget of an address across instances', async () => {
    const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const bad = () => `pat_live_${randomBytes(32).toString('base64url')}`;
    const attempt = (i: number) =>
      at(i).request('GET', '/api/v1/collections', { token: bad(), headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < FAILED_AUTH_BUDGET; i++) expect((await attempt(i)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await attempt(i)).status).toBe(429);
  });

  it('turns identical stores racing on different instances into one document, embedded once', async () => {
    const content = `Nine writers on three doors race to store this sentence (${randomBytes(4).toString('hex')}).`;
    const responses = await Promise.all(
      Array.from({ length: 9 }, (_, i) => store(at(i), user.accessToken, { title: `Race ${i}`, content })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(8).fill(200), 201]);
    expect(new Set(responses.map((r) => r.body.document_id)).size).toBe(1);
    const listed = await at(1).get(
      `/api/v1/documents?collection_id=${user.defaultCollectionId}`,
      user.accessToken,
    );
    expect(listed.body.documents.filter((d: { title: string }) => d.title.startsWith('Race '))).toHaveLength(
      1,
    );
    // The lease in Redis spared the other instances the embedding work, not only the duplicate row.
    expect(embedder.documentTextList().filter((text) => text.includes(content))).toHaveLength(1);
  });
});
