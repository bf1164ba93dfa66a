import { and, eq, gte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { usageRecords } from '../../db/schema.js';

export type UsageSource = 'api' | 'mcp';

export const usageRepository = {
  /** One atomic upsert per counted call; safe under any number of concurrent instances. */
  async increment(db: Executor, userId: string, yearMonth: string, source: UsageSource): Promise<void> {
    await db
      .insert(usageRecords)
      .values({ userId, yearMonth, source, requestCount: 1 })
      .onConflictDoUpdate({
        target: [usageRecords.userId, usageRecords.yearMonth, usageRecords.source],
        set: { requestCount: sql`${usageRecords.requestCount} + 1`, updatedAt: sql`now()` },
      });
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
