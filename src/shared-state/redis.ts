import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemorySharedState } from './memory.js';
import type { Lease, SharedState, WindowCount } from './shared-state.js';

/** INCR, start the window on the first hit, and report the window's remaining time, in one round trip. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;
/** Never below zero and never recreating an expired window. */
const REFUND = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;
/** Deletes the lease only if it is still ours (it may have expired and been taken by someone else). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const RECORD_LATEST = `
local known = redis.call('HGET', KEYS[1], ARGV[1])
if not known or tonumber(known) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0
`;
const TAKE_LATEST = `
local all = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return all
`;

export interface RedisSharedStateOptions {
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  prefix: string;
  /** Told when Redis fails and the process falls back to its own state (at most every `warnEveryMs`). */
  onUnavailable?: (error: unknown) => void;
  warnEveryMs?: number;
}

/**
 * Shared state in Redis, the same for every instance pointed at it. While Redis is unreachable every
 * operation falls back to this process's own `MemorySharedState` at once (the connection queues nothing and
 * each command times out after a second), so an outage never takes requests down with it: limits then hold
 * per instance instead of across them, leases only within the instance (the database still keeps one
 * document per content), and pending last_used times wait in the process until the next flush.
 */
export class RedisSharedState implements SharedState {
  readonly kind = 'redis';
  private readonly fallback = new MemorySharedState();
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisSharedStateOptions,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      const [count, ttl] = (await this.redis.eval(HIT, 1, this.key('c', key), windowMs)) as [number, number];
      return { count: Number(count), resetInMs: Number(ttl) };
    } catch (error) {
      this.unavailable(error);
      return this.fallback.hit(key, windowMs);
    }
  }

  async refund(key: string): Promise<void> {
    try {
      await this.redis.eval(REFUND, 1, this.key('c', key));
    } catch (error) {
      this.unavailable(error);
      await this.fallback.refund(key);
    }
  }

  async tryLease(key: string, ttlMs: number): Promise<Lease | undefined> {
    const token = randomUUID();
    const redisKey = this.key('lease', key);
    try {
      const taken = await this.redis.set(redisKey, token, 'PX', ttlMs, 'NX');
      if (taken !== 'OK') return undefined;
    } catch (error) {
      this.unavailable(error);
      return this.fallback.tryLease(key, ttlMs);
    }
    return {
      release: async () => {
        try {
          await this.redis.eval(RELEASE, 1, redisKey, token);
        } catch (error) {
          // It expires by itself; nobody waits longer than its time to live.
          this.unavailable(error);
        }
      },
    };
  }

  async isLeased(key: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.key('lease', key))) === 1 || (await this.fallback.isLeased(key));
    } catch (error) {
      this.unavailable(error);
      return this.fallback.isLeased(key);
    }
  }

  async recordLatest(group: string, id: string, at: number): Promise<void> {
    try {
      await this.redis.eval(RECORD_LATEST, 1, this.key('latest', group), id, at);
    } catch (error) {
      this.unavailable(error);
      await this.fallback.recordLatest(group, id, at);
    }
  }

  async peekLatest(group: string, ids: readonly string[]): Promise<Map<string, number>> {
    const found = await this.fallback.peekLatest(group, ids);
    if (ids.length === 0) return found;
    try {
      const values = await this.redis.hmget(this.key('latest', group), ...ids);
      ids.forEach((id, i) => {
        const value = values[i];
        if (value != null) found.set(id, Math.max(Number(value), found.get(id) ?? 0));
      });
    } catch (error) {
      this.unavailable(error);
    }
    return found;
  }

  async takeLatest(group: string): Promise<Map<string, number>> {
    // Times recorded here during an outage are handed over too.
    const taken = await this.fallback.takeLatest(group);
    try {
      const flat = (await this.redis.eval(TAKE_LATEST, 1, this.key('latest', group))) as string[];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const id = flat[i] as string;
        taken.set(id, Math.max(Number(flat[i + 1]), taken.get(id) ?? 0));
      }
    } catch (error) {
      this.unavailable(error);
    }
    return taken;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(kind: string, key: string): string {
    return `${this.options.prefix}${kind}:${key}`;
  }

  private unavailable(error: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning < (this.options.warnEveryMs ?? 30_000)) return;
    this.lastWarning = now;
    this.options.onUnavailable?.(error);
  }
}

/**
 * A Redis connection that never makes a caller wait for it: commands are refused at once while disconnected
 * (no offline queue) and time out after `commandTimeoutMs`; it reconnects by itself in the background.
 * Resolves once connected, or after `connectTimeoutMs` even if not (the instance then starts on its fallback).
 */
export async function connectRedis(
  url: string,
  options: { connectTimeoutMs?: number; commandTimeoutMs?: number; onError?: (error: unknown) => void } = {},
): Promise<Redis> {
  const connectTimeout = options.connectTimeoutMs ?? 2000;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // Reconnect forever, at most every two seconds.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // Without a listener ioredis prints every reconnect failure to stderr.
  redis.on('error', (error) => options.onError?.(error));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.connect().catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, connectTimeout);
    }),
  ]);
  clearTimeout(timer);
  return redis;
}
