import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFailedAuthCounter, RedisFailedAuthCounter } from './failed-auth-counter.js';

describe('MemoryFailedAuthCounter', () => {
  it('counts per key in fixed windows, refunds without going below zero', async () => {
    let now = 1_000;
    const counter = new MemoryFailedAuthCounter(60_000, 100, () => now);
    expect(await counter.hit('a')).toEqual({ count: 1, resetInMs: 60_000 });
    now += 10_000;
    expect(await counter.hit('a')).toEqual({ count: 2, resetInMs: 50_000 });
    expect((await counter.hit('b')).count).toBe(1);
    await counter.refund('a');
    await counter.refund('a');
    await counter.refund('a');
    expect((await counter.hit('a')).count).toBe(1);
    now += 50_000;
    // A new window starts from zero.
    expect(await counter.hit('a')).toEqual({ count: 1, resetInMs: 60_000 });
  });

  it('stays bounded: past maxKeys the oldest windows are dropped', async () => {
    const counter = new MemoryFailedAuthCounter(60_000, 3);
    for (const key of ['a', 'b', 'c', 'd']) await counter.hit(key);
    await counter.hit('b');
    expect((await counter.hit('b')).count).toBe(3);
    // 'a' was dropped to make room for 'd', so it starts over.
    expect((await counter.hit('a')).count).toBe(1);
  });
});

describe('RedisFailedAuthCounter (the real Redis on 127.0.0.1:6379)', () => {
  let redis: Redis;
  const prefix = `ainstruct-test-fa:${randomUUID()}:`;

  beforeAll(() => {
    redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shares one count between instances, with the window as the key expiry', async () => {
    const one = new RedisFailedAuthCounter(redis, 60_000, prefix);
    const two = new RedisFailedAuthCounter(redis, 60_000, prefix);
    const first = await one.hit('10.0.0.1');
    expect(first.count).toBe(1);
    expect(first.resetInMs).toBeGreaterThan(59_000);
    expect(first.resetInMs).toBeLessThanOrEqual(60_000);
    expect((await two.hit('10.0.0.1')).count).toBe(2);
    expect((await one.hit('10.0.0.2')).count).toBe(1);
    await two.refund('10.0.0.1');
    expect((await one.hit('10.0.0.1')).count).toBe(2);
    const ttl = await redis.pttl(`${prefix}10.0.0.1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('never refunds below zero nor recreates a window that is gone', async () => {
    const counter = new RedisFailedAuthCounter(redis, 60_000, prefix);
    await counter.refund('10.0.0.3');
    expect(await redis.exists(`${prefix}10.0.0.3`)).toBe(0);
    await counter.hit('10.0.0.3');
    await counter.refund('10.0.0.3');
    await counter.refund('10.0.0.3');
    expect(await redis.get(`${prefix}10.0.0.3`)).toBe('0');
  });

  it('starts a new window once the old one expires', async () => {
    const counter = new RedisFailedAuthCounter(redis, 200, prefix);
    await counter.hit('10.0.0.4');
    expect((await counter.hit('10.0.0.4')).count).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await counter.hit('10.0.0.4')).count).toBe(1);
  });

  it('counts in the process when Redis is unreachable, so the budget still holds', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const errors: unknown[] = [];
    const counter = new RedisFailedAuthCounter(down, 60_000, prefix, (error) => errors.push(error));
    expect((await counter.hit('10.0.0.5')).count).toBe(1);
    expect((await counter.hit('10.0.0.5')).count).toBe(2);
    await counter.refund('10.0.0.5');
    expect((await counter.hit('10.0.0.5')).count).toBe(2);
    expect(errors.length).toBeGreaterThan(0);
    down.disconnect();
  });
});
