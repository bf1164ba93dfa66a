import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../src/db/client.js';
import { databaseUnavailable, isUniqueViolation } from '../src/db/errors.js';
import type { RemotePglite } from '../src/db/pglite-remote.js';
import { TEST_DB } from './helpers/database.js';

/**
 * The embedded database runs in a worker thread of its own (src/db/pglite-worker.ts): a long query must not
 * hold up the event loop, transactions must behave as in PGlite itself (commit, rollback, savepoints, errors
 * with their SQLSTATE), and reopening it to give back memory must keep what is on disk.
 */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// PGlite only: the PostgreSQL run of the suite has nothing embedded to check.
describe.runIf(TEST_DB === 'pglite')('embedded database in its worker thread', () => {
  it('answers timers while a long query runs', async () => {
    const handle = await openDatabase({ dataDir: 'memory://' });
    try {
      let ticks = 0;
      const timer = setInterval(() => {
        ticks += 1;
      }, 5);
      const [row] = await queryRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from generate_series(1, 2000000)`,
      );
      const during = ticks;
      clearInterval(timer);
      expect(row?.n).toBe(2_000_000);
      // In the main thread the query would have blocked every timer until it returned.
      expect(during).toBeGreaterThan(3);
    } finally {
      await handle.close();
    }
  });

  it('commits, rolls back on a throw, keeps savepoints and carries SQLSTATEs across', async () => {
    const handle = await openDatabase({ dataDir: 'memory://' });
    const { db } = handle;
    try {
      await db.execute(sql`create table t (k text primary key)`);
      await db.transaction(async (tx) => {
        await tx.execute(sql`insert into t values ('a')`);
        await tx
          .transaction(async (inner) => {
            await inner.execute(sql`insert into t values ('b')`);
            throw new Error('inner fails');
          })
          .catch(() => {});
        await tx.execute(sql`insert into t values ('c')`);
      });
      const failure = await db
        .transaction(async (tx) => {
          await tx.execute(sql`insert into t values ('d')`);
          await tx.execute(sql`insert into t values ('a')`);
        })
        .catch((error: unknown) => error);
      expect(isUniqueViolation(failure)).toBe(true);
      const rows = await queryRows<{ k: string }>(db, sql`select k from t order by k`);
      expect(rows.map((r) => r.k)).toEqual(['a', 'c']);
      // Statements from outside wait for an open transaction rather than interleave with it.
      const order: string[] = [];
      await Promise.all([
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into t values ('e')`);
          await new Promise((resolve) => setTimeout(resolve, 50));
          order.push('transaction');
        }),
        queryRows(db, sql`select 1`).then(() => order.push('outside')),
      ]);
      expect(order).toEqual(['transaction', 'outside']);
    } finally {
      await handle.close();
    }
  });

  it('keeps the data on disk when reopened to give memory back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ainstruct-embedded-'));
    dirs.push(dataDir);
    const handle = await openDatabase({ dataDir });
    try {
      await handle.db.execute(sql`create table kept (v int)`);
      await handle.db.execute(sql`insert into kept values (41), (1)`);
      expect(handle.compact).toBeDefined();
      await handle.compact?.();
      const [row] = await queryRows<{ s: number }>(handle.db, sql`select sum(v)::int as s from kept`);
      expect(row?.s).toBe(42);
    } finally {
      await handle.close();
    }
  });

  it('opens the database again by itself when its worker dies, keeping what was committed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ainstruct-embedded-'));
    dirs.push(dataDir);
    const handle = await openDatabase({ dataDir });
    // drizzle keeps the client it was given: here the remote in front of the worker.
    const remote = (handle.db as unknown as { $client: RemotePglite }).$client;
    try {
      await handle.db.execute(sql`create table kept (v int)`);
      await handle.db.execute(sql`insert into kept values (7)`);
      await remote._crashForTesting();
      // While it is gone: the database is unavailable (503 and retry), not an internal error.
      const failure = await queryRows(handle.db, sql`select 1`).catch((error: unknown) => error);
      expect(databaseUnavailable(failure)?.status).toBe(503);
      let row: { v: number } | undefined;
      const deadline = Date.now() + 60_000;
      while (!row && Date.now() < deadline) {
        row = (await queryRows<{ v: number }>(handle.db, sql`select v from kept`).catch(() => []))[0];
        if (!row) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(row).toEqual({ v: 7 });
      expect(remote.reopened).toBe(1);
    } finally {
      await handle.close();
    }
  });
});
