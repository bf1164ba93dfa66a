import type { Redis } from 'ioredis';

/** How many attempts a key has made in its current fixed window, and when that window ends. */
export interface WindowCount {
  count: number;
  resetInMs: number;
}

/**
 * Per-key attempt counters in fixed windows, for the failed-authentication budget. `hit` counts an attempt
 * before the work it guards is done (so concurrent attempts cannot all slip under the limit), `refund` takes
 * it back when the attempt turned out to be legitimate.
 */
export interface FailedAuthCounter {
  hit(key: string): Promise<WindowCount>;
  refund(key: string): Promise<void>;
}

/** One process's counters. Bounded: when full, the oldest windows are dropped first. */
export class MemoryFailedAuthCounter implements FailedAuthCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string): Promise<WindowCount> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.delete(key);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
      this.evict(now);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async refund(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.count > 0) window.count -= 1;
  }

  /** Maps iterate in insertion order, so the first entries are the oldest windows. */
  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size <= this.maxKeys && window.resetAt > now) break;
      this.windows.delete(key);
    }
  }
}

/** INCR, start the window on the first attempt, and report the window's remaining time, in one round trip. */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;
/** Never below zero and never recreating an expired window. */
const REFUND_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

/**
 * Counters in Redis, shared by every instance. If Redis fails, the attempt is counted in this process
 * instead: the budget then holds per instance, and an outage never lets lookups through unbounded (nor takes
 * authentication down).
 */
export class RedisFailedAuthCounter implements FailedAuthCounter {
  private readonly fallback: MemoryFailedAuthCounter;

  constructor(
    private readonly redis: Redis,
    private readonly windowMs: number,
    private readonly prefix = 'ainstruct-fa:',
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.fallback = new MemoryFailedAuthCounter(windowMs);
  }

  async hit(key: string): Promise<WindowCount> {
    try {
      const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, this.prefix + key, this.windowMs)) as [
        number,
        number,
      ];
      return { count: Number(count), resetInMs: Number(ttl) };
    } catch (error) {
      this.onError(error);
      return this.fallback.hit(key);
    }
  }

  async refund(key: string): Promise<void> {
    try {
      await this.redis.eval(REFUND_SCRIPT, 1, this.prefix + key);
    } catch (error) {
      this.onError(error);
      await this.fallback.refund(key);
    }
  }
}
