/**
 * The state app instances must agree on, behind one small seam (DESIGN §1, §11). Without REDIS_URL it lives in
 * this process (`MemorySharedState`), which is exactly right for one instance; with REDIS_URL every instance
 * reads and writes the same Redis (`RedisSharedState`). Nothing here is the source of truth for data: that is
 * PostgreSQL. What is here is either a counter that limits abuse, a lease that saves duplicate work, or a
 * write-behind buffer of informational timestamps, so losing it (Redis restarted, no persistence) is harmless.
 */

/** How many hits a key has in its current fixed window, and when that window ends. */
export interface WindowCount {
  count: number;
  resetInMs: number;
}

/** A held lease; `release()` gives it up early (it expires by itself otherwise). */
export interface Lease {
  release(): Promise<void>;
}

export interface SharedState {
  /** 'memory' or 'redis': what the instances share (reported at start-up and by tests). */
  readonly kind: 'memory' | 'redis';

  /**
   * Counts one hit of `key` in a fixed window of `windowMs` that starts with the window's first hit. Counted
   * before the work it guards, so concurrent callers cannot all slip under a limit.
   */
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** Takes one hit back: never below zero, never reopening a window that has ended. */
  refund(key: string): Promise<void>;

  /**
   * Takes the lease on `key` for `ttlMs` if nobody holds it, else `undefined`. A lease only ever saves work
   * (it may be lost with Redis, or expire under a slow holder): correctness must come from the database.
   */
  tryLease(key: string, ttlMs: number): Promise<Lease | undefined>;
  /** Whether somebody (any instance) holds the lease on `key` right now. */
  isLeased(key: string): Promise<boolean>;

  /** Remembers `at` (epoch ms) for `id` in `group` unless a later time is already remembered. */
  recordLatest(group: string, id: string, at: number): Promise<void>;
  /** The remembered times of the given ids (absent ids are missing from the map). */
  peekLatest(group: string, ids: readonly string[]): Promise<Map<string, number>>;
  /** Removes and returns every remembered time of `group`, atomically (one taker gets each entry). */
  takeLatest(group: string): Promise<Map<string, number>>;

  close(): Promise<void>;
}
