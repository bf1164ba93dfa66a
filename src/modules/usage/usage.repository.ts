import { and, eq, gte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { usageRecords, users } from '../../db/schema.js';

export type UsageSource = 'api' | 'mcp';

export interface UsageCount {
  userId: string;
  yearMonth: string;
  source: UsageSource;
  count: number;
}

export const usageRepository = {
  /**
   * Adds many counts in one statement. Counts of users deleted meanwhile are dropped (their rows went with
   * them), so one deleted account cannot make the whole batch fail on the foreign key.
   */
  async addCounts(db: Executor, counts: readonly UsageCount[]): Promise<void> {
    if (counts.length === 0) return;
    const rows = sql.join(
      counts.map((c) => sql`(${c.userId}::uuid, ${c.yearMonth}, ${c.source}, ${c.count}::bigint)`),
      sql`, `,
    );
    await db.execute(sql`
      insert into ${usageRecords} (user_id, year_month, source, request_count)
      select v.user_id, v.year_month, v.source, v.n
      from (values ${rows}) as v(user_id, year_month, source, n)
      join ${users} u on u.id = v.user_id
      on conflict (user_id, year_month, source) do update
        set request_count = ${usageRecords}.request_count + excluded.request_count, updated_at = now()`);
  },

  /** Rows for one user from `fromMonth` (inclusive, YYYY-MM) on. */
  async since(db: Executor, userId: string, fromMonth: string) {
    return db
      .select({
        yearMonth: usageRecords.yearMonth,
        source: usageRecords.source,
        count: usageRecords.requestCount,
      })
      .from(usageRecords)
      .where(and(eq(usageRecords.userId, userId), gte(usageRecords.yearMonth, fromMonth)));
  },
};
