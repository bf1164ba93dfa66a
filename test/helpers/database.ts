import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';

export type TestDbKind = 'pglite' | 'postgres';

/** Which database this run of the suite uses; the same suite runs once per kind. */
export const TEST_DB: TestDbKind = process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/** The server the postgres runs connect to; its `postgres` database is used only to create and drop others. */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: TestDbKind;
  /** postgres:// URL of the fresh database (postgres kind only). */
  url?: string;
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

/** A fresh, empty database: an in-memory PGlite, or a newly created database on the PostgreSQL server. */
export async function createTestDatabase(kind: TestDbKind = TEST_DB): Promise<TestDatabase> {
  if (kind === 'pglite') {
    return { kind, open: () => openDatabase({ dataDir: 'memory://' }), drop: async () => {} };
  }
  const name = `ainstruct_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = TEST_POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  return {
    kind,
    url,
    open: () => openDatabase({ url, poolSize: 5 }),
    async drop() {
      const cleanup = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
