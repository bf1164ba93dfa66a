import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.js';
import { collect, spawnCli } from './helpers/cli.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { ApiClient, createUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { createCollection, searchIds, store } from './helpers/documents.js';
import { expectKeywordIndexExact, expectNoOrphans } from './helpers/integrity.js';
import { testEnv } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

/**
 * `kill -9` of a real `ainstruct serve` during concurrent stores, and of `ainstruct import` mid-run, on a real
 * on-disk database (PGlite in a DATA_DIR, or PostgreSQL). After a restart every acknowledged write must be there
 * and searchable, and no half-written document (chunks, postings or statistics without their document, or a
 * document without its chunks) may be left. Kill points are random; what is asserted is not.
 */

let database: TestDatabase | undefined;
/** Where the child processes keep their data: a PGlite DATA_DIR or the test PostgreSQL database. */
let dbEnv: Record<string, string>;
let dataDir = '';
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-crash-');

/** The children's whole environment: test defaults, one embedding thread (the machine is small), the database. */
function childEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...testEnv({ EMBEDDING_WORKERS: '1' }),
    ...dbEnv,
  };
}

/** Opens the database directly, as an operator would after the crash; for PGlite no process may hold it. */
async function withDatabase<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = database?.url
    ? await openDatabase({ url: database.url, poolSize: 2 })
    : await openDatabase({ dataDir });
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

async function expectDatabaseConsistent(): Promise<void> {
  await withDatabase(async ({ db }) => {
    await expectNoOrphans(db);
    await expectKeywordIndexExact(db);
  });
}

const servers: CliServer[] = [];

/** A `serve` child, remembered so that a failing test cannot leave it running. */
async function startServer(extra: Record<string, string> = {}): Promise<CliServer> {
  const server = await startCliServer({ ...childEnv(), ...extra });
  servers.push(server);
  return server;
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

beforeAll(async () => {
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dataDir = tempDir('ainstruct-crash-db-');
    dbEnv = { DATA_DIR: dataDir };
  }
});
afterAll(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
  }
  await database?.drop();
  removeTempDirs();
});

interface Acknowledged {
  id: string;
  content: string;
  /** A word found in this document only. */
  marker: string;
  /** Where the last acknowledged write put it; undefined while a move is unanswered (either place is right). */
  collectionId: string | undefined;
}

const ROUNDS = 3;
const STORERS = 6;
/** Moves need no embedding, so they keep the database writing (and the kill landing mid-transaction) often. */
const MOVERS = 2;

describe('crash safety', { timeout: 240_000 }, () => {
  it('kill -9 of the server during concurrent stores and moves loses no acknowledged write and leaves no orphans', async () => {
    const acknowledged: Acknowledged[] = [];
    let token = '';
    let collections: [string, string] = ['', ''];
    let movesAnswered = 0;

    /** Every acknowledged document is there, intact, where it was last put, found by keyword, and stored once. */
    async function expectAcknowledgedPresent(api: ApiClient) {
      let next = 0;
      const checker = async () => {
        for (let doc = acknowledged[next++]; doc; doc = acknowledged[next++]) await expectPresent(api, doc);
      };
      await Promise.all(Array.from({ length: 4 }, checker));
    }

    async function expectPresent(api: ApiClient, doc: Acknowledged) {
      const got = await api.get(`/api/v1/documents/${doc.id}`, token);
      expect(got.status, `acknowledged document ${doc.id} after restart`).toBe(200);
      expect(got.body.content).toBe(doc.content);
      expect(got.body.chunk_count).toBeGreaterThan(0);
      if (doc.collectionId) expect(got.body.collection_id, `${doc.id} moved`).toBe(doc.collectionId);
      else expect(collections).toContain(got.body.collection_id);
      doc.collectionId = got.body.collection_id;
      expect(
        await searchIds(api, token, {
          query: doc.marker,
          mode: 'keyword',
          collection_id: doc.collectionId,
        }),
      ).toEqual([doc.id]);
      const again = await store(api, token, {
        title: 'again',
        content: doc.content,
        collection_id: doc.collectionId ?? '',
      });
      expect({ status: again.status, id: again.body.document_id, duplicate: again.body.duplicate }).toEqual({
        status: 200,
        id: doc.id,
        duplicate: true,
      });
    }

    for (let round = 0; round <= ROUNDS; round++) {
      const server = await startServer();
      const api = new ApiClient(server.url);
      if (round === 0) {
        token = (await createUser(api, 'crash')).accessToken;
        collections = [
          await createCollection(api, token, 'inbox'),
          await createCollection(api, token, 'archive'),
        ];
      }
      await expectAcknowledgedPresent(api);
      if (round === ROUNDS) {
        // A clean stop after the last check, so the database can be read directly.
        expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        break;
      }

      // Writes run until the kill; the kill comes after a random number of stored documents plus a random
      // delay, so it lands while others are being embedded, written or answered.
      const killAfter = randomInt(2, 12);
      let killed = false;
      let killing: Promise<unknown> | undefined;
      let started = 0;
      let stored = 0;
      const unexpected: { request: string; status: number }[] = [];
      const storer = async () => {
        while (!killed) {
          const i = started++;
          const marker = `crashmark${round}x${i}q`;
          const content = `Crash round ${round} note ${i}: the marker ${marker} stays findable.`;
          let response: Awaited<ReturnType<typeof store>>;
          try {
            response = await store(api, token, {
              title: `Crash ${round}.${i}`,
              content,
              collection_id: collections[0],
            });
          } catch {
            continue; // no answer: the process died with this request in flight
          }
          if (response.status !== 201) unexpected.push({ request: `store ${i}`, status: response.status });
          else {
            stored += 1;
            acknowledged.push({
              id: response.body.document_id,
              content,
              marker,
              collectionId: collections[0],
            });
          }
          if (stored >= killAfter && !killing) {
            killing = sleep(randomInt(0, 250)).then(() => {
              killed = true;
              return server.stop('SIGKILL');
            });
          }
        }
      };
      // Each mover owns every MOVERS-th document, so no two moves of one document are ever in flight at once.
      const mover = async (lane: number) => {
        for (let cursor = 0; !killed; cursor++) {
          const mine = acknowledged.filter((_, i) => i % MOVERS === lane);
          const doc = mine[cursor % Math.max(1, mine.length)];
          if (!doc?.collectionId) {
            await sleep(20);
            continue;
          }
          const target = doc.collectionId === collections[0] ? collections[1] : collections[0];
          doc.collectionId = undefined;
          try {
            const response = await api.post(
              `/api/v1/documents/${doc.id}/move`,
              { target_collection_id: target },
              token,
            );
            if (response.status !== 200)
              unexpected.push({ request: `move ${doc.id}`, status: response.status });
            else movesAnswered += 1;
            doc.collectionId = response.body.collection_id;
          } catch {
            // no answer: the move may or may not have happened; the check after the restart accepts either
          }
        }
      };
      await Promise.all([
        ...Array.from({ length: STORERS }, storer),
        ...Array.from({ length: MOVERS }, (_, lane) => mover(lane)),
      ]);
      expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // Every answer the server gave before dying was a success; failures were only missing answers.
      expect(unexpected).toEqual([]);

      await expectDatabaseConsistent();
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS * 2);
    expect(movesAnswered).toBeGreaterThan(0);
    await expectDatabaseConsistent();
  });

  it('kill -9 of `ainstruct import` mid-run, then importing again, stores each file exactly once', async () => {
    const files = 60;
    const folder = tempDir('ainstruct-crash-src-');
    const markers: string[] = [];
    for (let i = 0; i < files; i++) {
      const marker = `importmark${i}z`;
      markers.push(marker);
      writeFileSync(
        join(folder, `note-${String(i).padStart(2, '0')}.md`),
        `# Note ${i}\n\nIt holds ${marker}.\n`,
      );
    }
    const created = await collect(
      spawnCli(['user', 'create', 'importer', 'importer@example.com'], childEnv()),
      'import password 123\n',
    );
    expect(created.code, created.stderr).toBe(0);

    const args = ['import', folder, '--collection', 'notes', '--user', 'importer'];
    const first = spawnCli(args, childEnv());
    const firstRun = collect(first);
    // The first progress line is printed once a file is stored; the kill follows at a random moment.
    let stderr = '';
    let killScheduled = false;
    first.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (!killScheduled && /import \[[#.]+\] [1-9]\d*\/\d+/.test(stderr)) {
        killScheduled = true;
        setTimeout(() => first.kill('SIGKILL'), randomInt(0, 500));
      }
    });
    const killedRun = await firstRun;
    expect(killedRun.code, `the import finished before it was killed: ${killedRun.stdout}`).toBeNull();
    expect(first.signalCode).toBe('SIGKILL');

    const notesDocuments = sql`select d.id, d.metadata->>'source_path' as path from documents d
      join collections c on c.id = d.collection_id join users u on u.id = c.user_id
      where u.username = 'importer' and c.name = 'notes'`;
    const storedBefore = await withDatabase(async ({ db }) => {
      await expectNoOrphans(db);
      await expectKeywordIndexExact(db);
      return (await queryRows<{ id: string }>(db, notesDocuments)).length;
    });
    expect(storedBefore).toBeGreaterThan(0);
    expect(storedBefore).toBeLessThan(files);

    const second = await collect(spawnCli(args, childEnv()));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe(
      `Stored ${files - storedBefore}, already present ${storedBefore}, skipped 0, failed 0`,
    );

    const paths = await withDatabase(async ({ db }) => {
      await expectNoOrphans(db);
      await expectKeywordIndexExact(db);
      return (await queryRows<{ path: string }>(db, notesDocuments)).map((row) => row.path).sort();
    });
    expect(paths).toEqual(markers.map((_, i) => `note-${String(i).padStart(2, '0')}.md`));

    const server = await startServer();
    try {
      const api = new ApiClient(server.url);
      const login = await api.post('/api/v1/auth/login', {
        username: 'importer',
        password: 'import password 123',
      });
      expect(login.status).toBe(200);
      for (const marker of markers) {
        const found = await searchIds(api, login.body.access_token, { query: marker, mode: 'keyword' });
        expect(found, marker).toHaveLength(1);
      }
    } finally {
      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('usage counts: kill -9 loses none written before the flush window, a normal stop loses none at all', async () => {
    const env = { USAGE_FLUSH_MS: '200' };
    let server = await startServer(env);
    let api = new ApiClient(server.url);
    const user = await createUser(api, 'counted');
    const usage = async () => (await api.get('/api/v1/usage', user.accessToken)).body.api_requests as number;
    const calls = async (count: number) => {
      for (let i = 0; i < count; i++)
        expect((await api.get('/api/v1/collections', user.accessToken)).status).toBe(200);
    };
    const before = await usage();
    await calls(12);
    // Past the documented window (USAGE_FLUSH_MS) everything counted is on disk, whatever kills the process.
    await sleep(1000);
    await server.stop('SIGKILL');

    // No timed flush in this run: only the shutdown can write the next calls.
    server = await startServer({ USAGE_FLUSH_MS: '10000' });
    api = new ApiClient(server.url);
    expect(await usage()).toBe(before + 12);
    await calls(9);
    // A normal stop right after the calls writes them on its way out.
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    server = await startServer(env);
    api = new ApiClient(server.url);
    expect(await usage()).toBe(before + 21);
    await server.stop('SIGTERM');
  });
});
