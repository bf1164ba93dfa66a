import { is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type Database, type DatabaseHandle, openDatabase, queryRows } from '../src/db/client.js';
import { loadMigrations, type Migration, migrate } from '../src/db/migrate.js';
import * as schema from '../src/db/schema.js';
import { type RunningServer, startServer } from '../src/server.js';
import { ApiClient } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { testEnv } from './helpers/server.js';

const tags = loadMigrations().map((migration) => migration.tag);

/** What the drizzle schema says the database must contain. */
const declared = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => getTableConfig(table));

async function recordedTags(db: Database): Promise<string[]> {
  const rows = await queryRows<{ tag: string }>(db, sql`select tag from ainstruct_migrations order by tag`);
  return rows.map((row) => row.tag);
}

async function publicTables(db: Database): Promise<string[]> {
  const rows = await queryRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
  );
  return rows.map((row) => row.table_name);
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  return (await publicTables(db)).includes(name);
}

describe('migrations on a fresh database', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let firstRun: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await database.open();
    firstRun = await migrate(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('has migrations to apply, with unique tags in journal order', () => {
    expect(tags.length).toBeGreaterThan(0);
    expect(new Set(tags).size).toBe(tags.length);
    expect(tags[0]).toBe('0000_foundation');
    for (const migration of loadMigrations()) expect(migration.statements.length).toBeGreaterThan(0);
  });

  it('applies every migration once, in order, and records exactly those tags', async () => {
    expect(firstRun).toEqual(tags);
    expect(await recordedTags(handle.db)).toEqual([...tags].sort());
    const [row] = await queryRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from ainstruct_migrations where applied_at is not null`,
    );
    expect(row).toEqual({ n: tags.length });
  });

  it('is a no-op when run again, sequentially and concurrently', async () => {
    expect(await migrate(handle.db)).toEqual([]);
    expect(await Promise.all([migrate(handle.db), migrate(handle.db), migrate(handle.db)])).toEqual([
      [],
      [],
      [],
    ]);
    expect(await recordedTags(handle.db)).toEqual([...tags].sort());
  });

  it('creates exactly the tables, columns and named indexes the schema declares', async () => {
    const tables = await publicTables(handle.db);
    expect(tables).toEqual([...declared.map((t) => t.name), 'ainstruct_migrations'].sort());
    for (const name of ['users', 'collections', 'documents', 'collection_access_tokens', 'usage_records']) {
      expect(tables).toContain(name);
    }

    const columns = await queryRows<{ table_name: string; column_name: string }>(
      handle.db,
      sql`select table_name, column_name from information_schema.columns where table_schema = 'public'`,
    );
    for (const table of declared) {
      const inDatabase = columns.filter((c) => c.table_name === table.name).map((c) => c.column_name);
      expect(inDatabase.sort(), table.name).toEqual(table.columns.map((c) => c.name).sort());
    }

    const indexes = (
      await queryRows<{ indexname: string }>(
        handle.db,
        sql`select indexname from pg_indexes where schemaname = 'public'`,
      )
    ).map((row) => row.indexname);
    for (const table of declared) {
      for (const index of table.indexes) {
        expect(indexes, `${table.name}: ${index.config.name}`).toContain(index.config.name);
      }
    }
    expect(indexes).toContain('collections_user_name_lower_key');
  });

  it('applies only migrations it has not recorded yet', async () => {
    const extra: Migration = { tag: '9000_test_extra', statements: ['create table zz_test_extra (id int)'] };
    expect(await migrate(handle.db, [...loadMigrations(), extra])).toEqual(['9000_test_extra']);
    expect(await migrate(handle.db, [...loadMigrations(), extra])).toEqual([]);
    expect(await tableExists(handle.db, 'zz_test_extra')).toBe(true);
    await handle.db.execute(sql`drop table zz_test_extra`);
    await handle.db.execute(sql`delete from ainstruct_migrations where tag = '9000_test_extra'`);
  });

  it('applies nothing of a batch in which one migration fails', async () => {
    const batch: Migration[] = [
      ...loadMigrations(),
      { tag: '9001_test_good', statements: ['create table zz_test_good (id int)'] },
      {
        tag: '9002_test_bad',
        statements: ['create table zz_test_bad (id int)', 'select * from no_such_table'],
      },
    ];
    await expect(migrate(handle.db, batch)).rejects.toThrow();
    expect(await tableExists(handle.db, 'zz_test_good')).toBe(false);
    expect(await tableExists(handle.db, 'zz_test_bad')).toBe(false);
    expect(await recordedTags(handle.db)).toEqual([...tags].sort());
    // The database is still usable and fully migrated.
    expect(await migrate(handle.db)).toEqual([]);
  });

  it('lets a server start on the migrated database without changing it', async () => {
    const env = testEnv();
    if (database.url) env.DATABASE_URL = database.url;
    const server = await startServer(loadConfig(env), { database: handle });
    try {
      expect((await new ApiClient(server.url).get('/health')).status).toBe(200);
    } finally {
      await server.close();
    }
    expect(await recordedTags(handle.db)).toEqual([...tags].sort());
  });
});

describe.runIf(TEST_DB === 'pglite')('embedded PGlite', () => {
  it('serialises concurrent migrate() calls on one fresh database', async () => {
    const handle = await openDatabase({ dataDir: 'memory://' });
    try {
      const applied = await Promise.all([migrate(handle.db), migrate(handle.db), migrate(handle.db)]);
      expect(applied.flat().sort()).toEqual([...tags].sort());
      expect(applied.filter((list) => list.length > 0)).toEqual([tags]);
      expect(await recordedTags(handle.db)).toEqual([...tags].sort());
    } finally {
      await handle.close();
    }
  });
});

describe.runIf(TEST_DB === 'postgres')('several instances on one PostgreSQL database', () => {
  it('applies each migration exactly once when three connections migrate at the same moment', async () => {
    const database = await createTestDatabase('postgres');
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url: database.url, poolSize: 2 })));
    try {
      const applied = await Promise.all(handles.map((handle) => migrate(handle.db)));
      // Each tag exactly once across the three callers: the union is complete and the lists are disjoint.
      expect(applied.flat().sort()).toEqual([...tags].sort());
      // The advisory lock makes one caller apply everything in one transaction; the others find nothing to do.
      expect(applied.filter((list) => list.length > 0)).toEqual([tags]);
      for (const handle of handles) expect(await recordedTags(handle.db)).toEqual([...tags].sort());
      expect(await Promise.all(handles.map((handle) => migrate(handle.db)))).toEqual([[], [], []]);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
      await database.drop();
    }
  });

  it('starts three servers at once on one fresh database, sharing its state', async () => {
    const database = await createTestDatabase('postgres');
    const url = database.url ?? '';
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url, poolSize: 3 })));
    const servers: RunningServer[] = [];
    try {
      const config = loadConfig(testEnv({ DATABASE_URL: url }));
      const started = await Promise.allSettled(
        handles.map((handle) => startServer(config, { database: handle })),
      );
      for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
      expect(started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'up'))).toEqual([
        'up',
        'up',
        'up',
      ]);
      expect(new Set(servers.map((s) => s.url)).size).toBe(3);

      const [one, two, three] = servers.map((s) => new ApiClient(s.url)) as [ApiClient, ApiClient, ApiClient];
      for (const client of [one, two, three]) expect((await client.get('/health')).status).toBe(200);
      // Stateless instances: register on one, log in on another, use the token on the third.
      const credentials = {
        username: 'everywhere',
        email: 'everywhere@example.com',
        password: 'correct horse battery',
      };
      expect((await one.post('/api/v1/auth/register', credentials)).status).toBe(201);
      const login = await two.post('/api/v1/auth/login', {
        username: 'everywhere',
        password: credentials.password,
      });
      expect(login.status).toBe(200);
      const collections = await three.get('/api/v1/collections', login.body.access_token);
      expect(collections.status).toBe(200);
      expect(collections.body.collections.map((c: { name: string }) => c.name)).toEqual(['default']);

      const check = await openDatabase({ url, poolSize: 1 });
      try {
        expect(await recordedTags(check.db)).toEqual([...tags].sort());
        const [row] = await queryRows<{ n: number; distinct_tags: number }>(
          check.db,
          sql`select count(*)::int as n, count(distinct tag)::int as distinct_tags from ainstruct_migrations`,
        );
        expect(row).toEqual({ n: tags.length, distinct_tags: tags.length });
      } finally {
        await check.close();
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await Promise.all(handles.map((handle) => handle.close()));
      await database.drop();
    }
  });
});
