import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { usageRecords, users } from '../src/db/schema.js';
import type { UsageSource } from '../src/modules/usage/usage.repository.js';
import { UsageCounter } from '../src/modules/usage/usage-counter.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

/**
 * The batched usage counter against a real database: whatever interleaving of calls, flushes (some of them
 * concurrent) and account deletions happens, what ends up in `usage_records` is exactly what was counted for
 * the accounts that still exist: nothing lost, nothing counted twice, and a deleted account never makes a
 * batch fail.
 */

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await database.open();
  await migrate(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

async function newUsers(count: number): Promise<string[]> {
  const rows = await handle.db
    .insert(users)
    .values(
      Array.from({ length: count }, () => {
        const name = `u${randomUUID().slice(0, 12)}`;
        return { username: name, email: `${name}@example.com`, passwordHash: 'x' };
      }),
    )
    .returning({ id: users.id });
  return rows.map((row) => row.id);
}

type Step =
  | { kind: 'add'; user: number; month: number; source: UsageSource; count: number }
  | { kind: 'flush'; concurrent: boolean }
  | { kind: 'delete'; user: number };

const MONTHS = ['2026-11', '2026-12'];
const USERS = 4;

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      user: fc.nat(USERS - 1),
      month: fc.nat(MONTHS.length - 1),
      source: fc.constantFrom<UsageSource>('api', 'mcp'),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flush' as const), concurrent: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), user: fc.nat(USERS - 1) }) },
);

describe('UsageCounter', () => {
  it('writes exactly the counted calls of the accounts that still exist', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const ids = await newUsers(USERS);
        const deleted = new Set<string>();
        const expected = new Map<string, number>();
        const counter = new UsageCounter(handle.db, 60_000, () => {});
        const inFlight: Promise<void>[] = [];
        for (const s of steps) {
          if (s.kind === 'add') {
            const id = ids[s.user] as string;
            const month = MONTHS[s.month] as string;
            counter.add(id, month, s.source, s.count);
            const key = `${id}|${month}|${s.source}`;
            expected.set(key, (expected.get(key) ?? 0) + s.count);
          } else if (s.kind === 'flush') {
            // A concurrent flush is started and not awaited: the next one must queue behind it.
            const flushing = counter.flush();
            if (s.concurrent) inFlight.push(flushing);
            else await flushing;
          } else {
            const id = ids[s.user] as string;
            await Promise.all(inFlight.splice(0));
            await handle.db.delete(users).where(eq(users.id, id));
            deleted.add(id);
          }
        }
        await Promise.all(inFlight);
        await counter.stop();
        expect(counter.pendingCalls).toBe(0);

        const rows = await handle.db.select().from(usageRecords).where(inArray(usageRecords.userId, ids));
        const written = new Map(
          rows.map((row) => [`${row.userId}|${row.yearMonth}|${row.source}`, row.requestCount]),
        );
        const live = new Map([...expected].filter(([key]) => !deleted.has(key.split('|')[0] as string)));
        expect(written).toEqual(live);
      }),
      { numRuns: 25 },
    );
  });
});
