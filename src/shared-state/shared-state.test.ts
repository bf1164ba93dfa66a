import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySharedState } from './memory.js';
import { connectRedis, RedisSharedState } from './redis.js';
import type { SharedState } from './shared-state.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The contract both implementations keep; `two` is a second instance sharing the state (or the same one). */
function contract(name: string, make: () => { one: SharedState; two: SharedState }) {
  describe(`${name}: the shared-state contract`, () => {
    it('counts hits in fixed windows, refunds never below zero', async () => {
      const { one, two } = make();
      const first = await one.hit('k1', 60_000);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(59_000);
      expect(first.resetInMs).toBeLessThanOrEqual(60_000);
      expect((await two.hit('k1', 60_000)).count).toBe(2);
      expect((await one.hit('k2', 60_000)).count).toBe(1);
      await two.refund('k1');
      expect((await one.hit('k1', 60_000)).count).toBe(2);
      await one.refund('never-hit');
      await one.hit('k3', 60_000);
      await one.refund('k3');
      await one.refund('k3');
      expect((await one.hit('k3', 60_000)).count).toBe(1);
    });

    it('starts a new window once the old one has ended', async () => {
      const { one } = make();
      await one.hit('w', 150);
      expect((await one.hit('w', 150)).count).toBe(2);
      await sleep(250);
      expect((await one.hit('w', 150)).count).toBe(1);
    });

    it('gives a lease to one holder at a time, until released or expired', async () => {
      const { one, two } = make();
      const lease = await one.tryLease('l1', 60_000);
      expect(lease).toBeDefined();
      expect(await two.tryLease('l1', 60_000)).toBeUndefined();
      expect(await two.isLeased('l1')).toBe(true);
      await lease?.release();
      expect(await two.isLeased('l1')).toBe(false);
      const second = await two.tryLease('l1', 100);
      expect(second).toBeDefined();
      await sleep(200);
      expect(await one.isLeased('l1')).toBe(false);
      const third = await one.tryLease('l1', 60_000);
      expect(third).toBeDefined();
      // A holder whose lease expired and was taken over does not release the new holder's lease.
      await second?.release();
      expect(await two.isLeased('l1')).toBe(true);
      await third?.release();
    });

    it('keeps the latest time per id and hands each one to exactly one taker', async () => {
      const { one, two } = make();
      await one.recordLatest('g', 'a', 1000);
      await two.recordLatest('g', 'a', 900);
      await two.recordLatest('g', 'b', 2000);
      expect(await two.peekLatest('g', ['a', 'b', 'c'])).toEqual(
        new Map([
          ['a', 1000],
          ['b', 2000],
        ]),
      );
      const [first, second] = await Promise.all([one.takeLatest('g'), two.takeLatest('g')]);
      const all = new Map([...first, ...second]);
      expect(all).toEqual(
        new Map([
          ['a', 1000],
          ['b', 2000],
        ]),
      );
      if (one !== two) expect(first.size === 0 || second.size === 0).toBe(true);
      expect((await one.takeLatest('g')).size).toBe(0);
    });
  });
}

contract('MemorySharedState', () => {
  const state = new MemorySharedState();
  return { one: state, two: state };
});

describe('MemorySharedState', () => {
  it('drops the oldest windows first once full', async () => {
    const state = new MemorySharedState(3);
    for (const key of ['a', 'b', 'c', 'd']) await state.hit(key, 60_000);
    expect((await state.hit('a', 60_000)).count).toBe(1);
    expect((await state.hit('d', 60_000)).count).toBe(2);
  });
});

describe('RedisSharedState (the real Redis)', () => {
  const prefix = `ainstruct-test:${randomUUID()}:`;
  const clients: Redis[] = [];
  const states: RedisSharedState[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const redis = await connectRedis(REDIS_URL);
      clients.push(redis);
      states.push(new RedisSharedState(redis, { prefix }));
    }
  });
  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    for (const state of states) await state.close();
  });

  // Two connections, as two instances would have.
  contract('RedisSharedState', () => ({ one: states[0] as SharedState, two: states[1] as SharedState }));

  it('keeps its keys under the prefix, with the window as the expiry', async () => {
    const state = states[0] as RedisSharedState;
    await state.hit('10.0.0.9', 60_000);
    const ttl = await (clients[0] as Redis).pttl(`${prefix}c:10.0.0.9`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe('RedisSharedState while Redis is unreachable', () => {
  it('answers at once from this process, and says so (throttled)', async () => {
    // Nothing listens on port 1: connecting fails, commands are refused without being queued.
    const redis = await connectRedis('redis://127.0.0.1:1', { connectTimeoutMs: 200 });
    const warnings: unknown[] = [];
    const state = new RedisSharedState(redis, { prefix: 'x:', onUnavailable: (e) => warnings.push(e) });
    expect(redis.status).not.toBe('ready');

    expect((await state.hit('ip', 60_000)).count).toBe(1);
    expect((await state.hit('ip', 60_000)).count).toBe(2);
    await state.refund('ip');
    expect((await state.hit('ip', 60_000)).count).toBe(2);

    // Leases fall back to this process: still one holder here (the database keeps correctness across).
    const lease = await state.tryLease('doc', 60_000);
    expect(lease).toBeDefined();
    expect(await state.tryLease('doc', 60_000)).toBeUndefined();
    expect(await state.isLeased('doc')).toBe(true);
    await lease?.release();
    expect(await state.isLeased('doc')).toBe(false);

    await state.recordLatest('g', 'a', 5);
    expect(await state.peekLatest('g', ['a'])).toEqual(new Map([['a', 5]]));
    expect(await state.takeLatest('g')).toEqual(new Map([['a', 5]]));

    expect(warnings).toHaveLength(1);
    await state.close();
  });

  it('hands times recorded during an outage to the flush once Redis is back', async () => {
    const prefix = `ainstruct-test:${randomUUID()}:`;
    const redis = await connectRedis(REDIS_URL);
    const state = new RedisSharedState(redis, { prefix });
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect(false);
    await ended;
    await state.recordLatest('g', 'offline', 7);
    await redis.connect();
    await state.recordLatest('g', 'online', 8);
    expect(await state.takeLatest('g')).toEqual(
      new Map([
        ['offline', 7],
        ['online', 8],
      ]),
    );
    await state.close();
  });
});
