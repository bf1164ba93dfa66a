import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.js';
import { collect, spawnCli } from './helpers/cli.js';
import { startCliServer } from './helpers/cli-server.js';
import { ApiClient, createUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { searchIds, store } from './helpers/documents.js';
import { expectKeywordIndexExact, expectNoOrphans } from './helpers/integrity.js';
import { testEnv } from './helpers/server.js';

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
const tempDirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

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
  await database?.drop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

interface Acknowledged {
  id: string;
  content: string;
  /** A word found in this document only. */
  marker: string;
}

const ROUNDS = 3;
const CONCURRENCY = 6;

describe('crash safety', { timeout: 240_000 }, () => {
  it('kill -9 of the server during concurrent stores loses no acknowledged write and leaves no orphans', async () => {
    const acknowledged: Acknowledged[] = [];
    let token = '';

    /** Every acknowledged document is there, intact, indexed, found by keyword, and cannot be stored twice. */
    async function expectAcknowledgedPresent(api: ApiClient) {
      for (const doc of acknowledged) {
        const got = await api.get(`/api/v1/documents/${doc.id}`, token);
        expect(got.status, `acknowledged document ${doc.id} after restart`).toBe(200);
        expect(got.body.content).toBe(doc.content);
        expect(got.body.chunk_count).toBeGreaterThan(0);
        expect(await searchIds(api, token, { query: doc.marker, mode: 'keyword' })).toEqual([doc.id]);
        const again = await store(api, token, { title: 'again', content: doc.content });
        expect({ status: again.status, id: again.body.document_id, duplicate: again.body.duplicate }).toEqual(
          {
            status: 200,
            id: doc.id,
            duplicate: true,
          },
        );
      }
    }

    for (let round = 0; round <= ROUNDS; round++) {
      const server = await startCliServer(childEnv());
      const api = new ApiClient(server.url);
      if (round === 0) token = (await createUser(api, 'crash')).accessToken;
      await expectAcknowledgedPresent(api);
      if (round === ROUNDS) {
        // A clean stop after the last check, so the database can be read directly.
        expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
        break;
      }

      // Stores run until the kill; the kill comes after a random number of acknowledgements plus a random
      // delay, so it lands while others are being embedded, written or answered.
      const killAfter = randomInt(2, 12);
      let killed = false;
      let next = 0;
      const answered: number[] = [];
      let killing: Promise<unknown> | undefined;
      const writer = async () => {
        while (!killed) {
          const i = next++;
          const marker = `crashmark${round}x${i}q`;
          const content = `Crash round ${round} note ${i}: the marker ${marker} stays findable.`;
          let response: Awaited<ReturnType<typeof store>>;
          try {
            response = await store(api, token, { title: `Crash ${round}.${i}`, content });
          } catch {
            continue; // no answer: the process died with this request in flight
          }
          answered.push(response.status);
          if (response.status === 201) acknowledged.push({ id: response.body.document_id, content, marker });
          if (answered.length >= killAfter && !killing) {
            killing = sleep(randomInt(0, 250)).then(() => {
              killed = true;
              return server.stop('SIGKILL');
            });
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, writer));
      expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // Every answer the server gave before dying was a success; failures were only missing answers.
      expect(answered.filter((status) => status !== 201)).toEqual([]);
      expect(next, 'requests were still in flight when the process died').toBeGreaterThan(answered.length);

      await expectDatabaseConsistent();
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS * 2);
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

    const server = await startCliServer(childEnv());
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
});
