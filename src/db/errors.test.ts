import { describe, expect, it } from 'vitest';
import { reconnectDelaySeconds } from './client.js';
import { databaseUnavailable, unmappedDatabaseError } from './errors.js';

/** Errors shaped as postgres.js raises them, wrapped the way drizzle wraps them. */
const wrapped = (fields: Record<string, unknown>) =>
  Object.assign(new Error('Failed query'), { cause: Object.assign(new Error('driver'), fields) });

describe('databaseUnavailable', () => {
  it('answers 503 DATABASE_UNAVAILABLE for a database that cannot be reached or is going away', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'CONNECTION_CLOSED',
      'CONNECT_TIMEOUT',
      '57P01',
      '57P03',
      '08006',
      '53300',
    ]) {
      const error = databaseUnavailable(wrapped({ code }));
      expect(error, code).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    }
  });

  it('leaves every other error alone (constraint violations, data errors, bugs)', () => {
    for (const code of ['23505', '22P02', '42P01', 'ERR_SOMETHING'])
      expect(databaseUnavailable(wrapped({ code }))).toBeUndefined();
    expect(databaseUnavailable(new Error('plain'))).toBeUndefined();
    expect(unmappedDatabaseError(wrapped({ code: '57P01' }))).toBeUndefined();
  });
});

describe('reconnectDelaySeconds', () => {
  it('starts at 50 ms, doubles, and never waits more than a second', () => {
    expect([1, 2, 3, 4, 5, 6, 20, 1000].map(reconnectDelaySeconds)).toEqual([
      0.05, 0.1, 0.2, 0.4, 0.8, 1, 1, 1,
    ]);
    expect(reconnectDelaySeconds(0)).toBe(0.05);
  });
});
