import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { claimDataDir, type DataDirOwnership } from './data-dir-owner.js';
import { RemotePglite } from './pglite-remote.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** The driver-independent database type every repository works with. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema>;
/** Anything a repository can run a query on: the pool or an open transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Embedded mode on disk: this process owns DATA_DIR until close() (see data-dir-owner.ts). */
  ownership?: DataDirOwnership | undefined;
  /**
   * Embedded mode: gives back the memory a one-off job such as creating the schema took (PGlite's memory
   * only grows) by reopening the database. Only while nothing else is using it.
   */
  compact?(): Promise<void>;
  /** Embedded mode on disk: a consistent snapshot of the whole database, as a gzipped tar (see backup.ts). */
  dump?(): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent an embedded PGlite database is used. */
  url?: string | undefined;
  /** Embedded mode: directory of the PGlite data, or 'memory://' for a throwaway database. */
  dataDir?: string;
  poolSize?: number;
  connectTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  /** Embedded mode on disk: the command taking ownership of DATA_DIR (named to anyone it refuses). */
  command?: string;
  /** Embedded mode: PostgreSQL's shared_buffers inside PGlite, in MB (default 32). */
  sharedBuffersMb?: number;
}

/** 50 ms, 100 ms, … doubling up to 1 s between attempts to reconnect (postgres.js counts failures pool-wide). */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.05 * 2 ** Math.max(0, failures - 1), 1);
}

/** Where embedded mode keeps PostgreSQL's own files inside DATA_DIR. */
const pgdataOf = (dataDir: string) => resolve(dataDir, 'pgdata');

/** Whether DATA_DIR already holds an embedded database (a PostgreSQL data directory). */
export const embeddedDatabaseExists = (dataDir: string) => existsSync(join(pgdataOf(dataDir), 'PG_VERSION'));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      connect_timeout: options.connectTimeoutSeconds ?? 30,
      idle_timeout: options.idleTimeoutSeconds ?? 300,
      onnotice: () => {},
      // While the database is away, a query waits for its connection's next attempt before it can fail. The
      // driver's default pause grows to 20 s, which turns an outage into hanging requests and a slow recovery;
      // capped at one second, requests fail fast (503) and the pool is back within a second of the database.
      backoff: reconnectDelaySeconds,
      // Migrations and the vector type need nothing special; timestamps come back as Date in UTC.
      connection: { application_name: 'ainstruct', TimeZone: 'UTC' },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Database;
    return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
  }
  const dataDir = options.dataDir ?? 'memory://';
  const sharedBuffersMb = options.sharedBuffersMb ?? 32;
  if (dataDir.startsWith('memory://')) return openPglite(dataDir, undefined, sharedBuffersMb);
  // Ownership first: a refused process must not have touched a single file of the database.
  const ownership = await claimDataDir(dataDir, options.command ?? 'serve');
  try {
    const location = pgdataOf(dataDir);
    mkdirSync(location, { recursive: true });
    return await openPglite(location, ownership, sharedBuffersMb);
  } catch (error) {
    await ownership.release();
    throw error;
  }
}

async function openPglite(
  location: string,
  ownership: DataDirOwnership | undefined,
  sharedBuffersMb: number,
): Promise<DatabaseHandle> {
  // PGlite's default shared_buffers (128 MB) lives in the process's memory from the first query on; the
  // operating system caches the data files anyway, so a smaller buffer pool costs little and saves ~100 MB.
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${Math.trunc(sharedBuffersMb)}MB`];
  // The database runs in a worker thread of its own, never on the event loop (see pglite-worker.ts).
  const remote = await RemotePglite.start({ location, startParams });
  // drizzle's PGlite driver only calls query() and transaction(), which the remote answers the same way.
  const db = drizzlePglite({ client: remote as unknown as PGlite, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    ownership,
    // Reopening an in-memory database would lose it; only one on disk can be compacted.
    ...(location.startsWith('memory://')
      ? {}
      : { compact: () => remote.restart(), dump: () => remote.dump() }),
    async close() {
      try {
        await remote.close();
      } finally {
        await ownership?.release();
      }
    },
  };
}

/** Runs raw SQL and returns its rows whatever the driver (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await executor.execute(query);
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}
