import { describe, expect, it } from 'vitest';
import { AppError, RateLimitedError, unauthorized } from '../errors.js';
import { MemorySharedState } from '../shared-state/memory.js';
import type { Authenticator } from './authenticate.js';
import { clientKey, withFailedAuthBudget } from './failed-auth-budget.js';
import { sharedFailedAuthCounter } from './failed-auth-counter.js';
import type { Principal } from './principal.js';

describe('clientKey', () => {
  it('keys IPv4 (also IPv4-mapped) per address and IPv6 per /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

/** A stand-in for the database check that counts how often it is asked. */
function countingAuthenticator(good: Map<string, Principal>, failure?: () => Error) {
  const calls = { count: 0 };
  const authenticator: Authenticator = {
    async authenticate(header) {
      calls.count += 1;
      if (failure) throw failure();
      const principal = good.get(header?.replace(/^Bearer /, '') ?? '');
      if (!principal) throw unauthorized('INVALID_TOKEN', 'Invalid or expired token');
      return principal;
    },
  };
  return { authenticator, calls };
}

const alice: Principal = {
  userId: 'u1',
  username: 'alice',
  isSuperuser: false,
  kind: 'pat',
  scopes: ['read', 'write'],
  credentialId: 'p1',
};

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof RateLimitedError) return `429 after ${error.retryAfterSeconds}s`;
    if (error instanceof AppError) return String(error.status);
    throw error;
  }
}

describe('withFailedAuthBudget', () => {
  it('stops looking up unknown credentials from an address once its budget is spent', async () => {
    const { authenticator, calls } = countingAuthenticator(new Map());
    const guarded = withFailedAuthBudget(authenticator, {
      counter: sharedFailedAuthCounter(new MemorySharedState(), 60_000),
      perWindow: 3,
    });
    const results: string[] = [];
    for (let i = 0; i < 6; i++)
      results.push(await outcome(guarded.authenticate(`Bearer pat_live_${i}`, '1.2.3.4')));
    expect(results).toEqual(['401', '401', '401', '429 after 60s', '429 after 60s', '429 after 60s']);
    expect(calls.count).toBe(3);
    // Another address has its own budget.
    expect(await outcome(guarded.authenticate('Bearer pat_live_x', '1.2.3.5'))).toBe('401');
    expect(calls.count).toBe(4);
  });

  it('does not count requests without a credential, nor successes', async () => {
    const { authenticator } = countingAuthenticator(new Map([['good', alice]]));
    const guarded = withFailedAuthBudget(authenticator, {
      counter: sharedFailedAuthCounter(new MemorySharedState(), 60_000),
      perWindow: 1,
    });
    for (let i = 0; i < 3; i++) {
      expect(await outcome(guarded.authenticate(undefined, '1.2.3.4'))).toBe('401');
      expect(await outcome(guarded.authenticate('Bearer good', '1.2.3.4'))).toBe('ok');
    }
    expect(await outcome(guarded.authenticate('Bearer bad', '1.2.3.4'))).toBe('401');
    expect(await outcome(guarded.authenticate('Bearer bad', '1.2.3.4'))).toMatch(/^429/);
  });

  it('lets a recently validated credential through an over-budget address, until it fails', async () => {
    const good = new Map([['good', alice]]);
    const { authenticator, calls } = countingAuthenticator(good);
    const guarded = withFailedAuthBudget(authenticator, {
      counter: sharedFailedAuthCounter(new MemorySharedState(), 60_000),
      perWindow: 2,
    });
    expect(await outcome(guarded.authenticate('Bearer good', '10.0.0.1'))).toBe('ok');
    for (let i = 0; i < 5; i++) await guarded.authenticate(`Bearer bad${i}`, '10.0.0.1').catch(() => {});
    expect(await outcome(guarded.authenticate('Bearer bad', '10.0.0.1'))).toMatch(/^429/);
    // The working token of a neighbour behind the same address still works (and is still checked).
    const before = calls.count;
    expect(await outcome(guarded.authenticate('Bearer good', '10.0.0.1'))).toBe('ok');
    expect(calls.count).toBe(before + 1);
    // Revoked: it fails once, then counts like any unknown credential.
    good.delete('good');
    expect(await outcome(guarded.authenticate('Bearer good', '10.0.0.1'))).toBe('401');
    expect(await outcome(guarded.authenticate('Bearer good', '10.0.0.1'))).toMatch(/^429/);
  });

  it('refunds attempts that failed for reasons other than the credential', async () => {
    const { authenticator, calls } = countingAuthenticator(new Map(), () => new Error('database down'));
    const guarded = withFailedAuthBudget(authenticator, {
      counter: sharedFailedAuthCounter(new MemorySharedState(), 60_000),
      perWindow: 1,
    });
    for (let i = 0; i < 3; i++) {
      await expect(guarded.authenticate(`Bearer t${i}`, '1.2.3.4')).rejects.toThrow('database down');
    }
    expect(calls.count).toBe(3);
  });

  it('bounds lookups under concurrency too: attempts are counted before the lookup', async () => {
    const { authenticator, calls } = countingAuthenticator(new Map());
    const guarded = withFailedAuthBudget(authenticator, {
      counter: sharedFailedAuthCounter(new MemorySharedState(), 60_000),
      perWindow: 5,
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => outcome(guarded.authenticate(`Bearer t${i}`, '1.2.3.4'))),
    );
    expect(results.filter((r) => r === '401')).toHaveLength(5);
    expect(calls.count).toBe(5);
  });
});
