import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';

/** Both src/db and dist/db sit two levels below the package root, where migrations/ lives. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Arbitrary constant key of the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 741_852_963;

interface JournalEntry {
  idx: number;
  tag: string;
}

export interface Migration {
  tag: string;
  statements: string[];
}

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const journal = JSON.parse(readFileSync(`${dir}meta/_journal.json`, 'utf8')) as { entries: JournalEntry[] };
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map((entry) => ({
      tag: entry.tag,
      statements: readFileSync(`${dir}${entry.tag}.sql`, 'utf8')
        .split('--> statement-breakpoint')
        .map((statement) => statement.trim())
        .filter((statement) => statement.length > 0),
    }));
}

/**
 * Applies pending migrations in one transaction that first takes a transaction-scoped advisory lock, so when
 * several instances start at once exactly one applies them and the others wait, then find nothing to do.
 * Returns the tags applied by this call.
 */
export async function migrate(db: Database, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execute(
      sql`create table if not exists ainstruct_migrations (
        tag text primary key,
        applied_at timestamptz not null default now()
      )`,
    );
    const done = new Set(
      (await queryRows<{ tag: string }>(tx, sql`select tag from ainstruct_migrations`)).map((row) => row.tag),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.tag)) continue;
      for (const statement of migration.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into ainstruct_migrations (tag) values (${migration.tag})`);
      applied.push(migration.tag);
    }
    return applied;
  });
}
