import type { Database } from '../../db/client.js';
import { type UsageCount, type UsageSource, usageRepository } from './usage.repository.js';

/**
 * Counts successful calls in memory and adds them to `usage_records` in one statement every `flushMs`, so a
 * request never waits on (or queues behind) the upsert of its user's monthly row. Counts stay exact: a failed
 * write puts its counts back for the next flush, `stop()` writes what is left, and reads go through `flush()`
 * first so this process's own calls are always included. What a `kill -9` can lose is at most the last
 * `flushMs` of this process's calls; other instances' calls show up within their own `flushMs`.
 */
export class UsageCounter {
  private pending = new Map<string, UsageCount>();
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly flushMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), this.flushMs);
    this.timer.unref();
  }

  add(userId: string, yearMonth: string, source: UsageSource, count = 1): void {
    const key = `${userId}|${yearMonth}|${source}`;
    const known = this.pending.get(key);
    if (known) known.count += count;
    else this.pending.set(key, { userId, yearMonth, source, count });
  }

  /** Calls counted here and not yet written. */
  get pendingCalls(): number {
    let total = 0;
    for (const entry of this.pending.values()) total += entry.count;
    return total;
  }

  /**
   * Writes everything counted so far (after any write already under way, so flushes never overlap and a
   * caller that awaits this sees every earlier call in the database).
   */
  flush(): Promise<void> {
    const next = this.writing.catch(() => {}).then(() => this.writePending());
    this.writing = next;
    return next;
  }

  private async writePending(): Promise<void> {
    if (this.pending.size === 0) return;
    const taken = [...this.pending.values()];
    this.pending = new Map();
    try {
      await usageRepository.addCounts(this.db, taken);
    } catch (error) {
      // The database may be away for a moment: the counts wait for the next flush.
      for (const entry of taken) this.add(entry.userId, entry.yearMonth, entry.source, entry.count);
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
