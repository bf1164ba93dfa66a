import { requireUserCredential } from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { type UsageSource, usageRepository } from './usage.repository.js';

export interface MonthUsage {
  year_month: string;
  api_requests: number;
  mcp_requests: number;
  total_requests: number;
}

/** `YYYY-MM` of a date in UTC, optionally shifted by whole months. */
export function yearMonth(date: Date, monthsBack = 0): string {
  const shifted = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - monthsBack, 1));
  return `${shifted.getUTCFullYear()}-${String(shifted.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function createUsageService(ctx: Pick<AppContext, 'db' | 'usage'>) {
  const { db, usage } = ctx;

  async function months(userId: string, keys: string[]): Promise<MonthUsage[]> {
    const oldest = keys[keys.length - 1] ?? yearMonth(new Date());
    // This process's counts not yet written are written first, so a caller sees every call it made.
    await usage.flush();
    const rows = await usageRepository.since(db, userId, oldest);
    return keys.map((key) => {
      const api = rows.find((r) => r.yearMonth === key && r.source === 'api')?.count ?? 0;
      const mcp = rows.find((r) => r.yearMonth === key && r.source === 'mcp')?.count ?? 0;
      return { year_month: key, api_requests: api, mcp_requests: mcp, total_requests: api + mcp };
    });
  }

  const service = {
    /** Counts one successful call (written in batches: see UsageCounter). */
    record(userId: string, source: UsageSource): void {
      usage.add(userId, yearMonth(new Date()), source);
    },

    async month(userId: string, key: string = yearMonth(new Date())): Promise<MonthUsage> {
      const [usage] = await months(userId, [key]);
      return usage ?? { year_month: key, api_requests: 0, mcp_requests: 0, total_requests: 0 };
    },

    /** Exactly `count` months, newest first, months without calls included as zeros. */
    history(userId: string, count: number): Promise<MonthUsage[]> {
      const now = new Date();
      return months(
        userId,
        Array.from({ length: count }, (_, i) => yearMonth(now, i)),
      );
    },

    /** The history in its response shape (`total` repeats `total_requests`, as the original's did). */
    async historyView(
      userId: string,
      count: number,
    ): Promise<{ history: (MonthUsage & { total: number })[] }> {
      const history = await service.history(userId, count);
      return { history: history.map((month) => ({ ...month, total: month.total_requests })) };
    },

    /** The caller's own usage: people see their own counts; collection tokens have no account to report on. */
    ownMonth(input: { principal: Principal; yearMonth?: string | undefined }): Promise<MonthUsage> {
      requireUserCredential(input.principal);
      return service.month(input.principal.userId, input.yearMonth);
    },

    ownHistory(input: { principal: Principal; months: number }) {
      requireUserCredential(input.principal);
      return service.historyView(input.principal.userId, input.months);
    },
  };
  return service;
}

export type UsageService = ReturnType<typeof createUsageService>;
