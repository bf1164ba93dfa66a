import { describe, expect, it } from 'vitest';
import { timestamp } from './timestamp.js';

const parse = (value: string) => timestamp.safeParse(value);

describe('timestamp', () => {
  it('normalizes every accepted form to a UTC instant', () => {
    expect(parse('2026-01-31').data).toBe('2026-01-31T00:00:00.000Z');
    expect(parse('2026-01-31T12:00').data).toBe('2026-01-31T12:00:00.000Z');
    expect(parse('2026-01-31T12:00:00+05:30').data).toBe('2026-01-31T06:30:00.000Z');
    expect(parse('2026-01-31T12:00:00-0800').data).toBe('2026-01-31T20:00:00.000Z');
    expect(parse('2026-01-31T12:00:00+02').data).toBe('2026-01-31T10:00:00.000Z');
    expect(parse('2026-01-31T12:00:00.123456789Z').data).toBe('2026-01-31T12:00:00.123Z');
    expect(parse('2024-02-29').data).toBe('2024-02-29T00:00:00.000Z');
    expect(parse('2000-02-29').success).toBe(true);
  });

  it('accepts years 0001 to 9999 UTC, and nothing outside', () => {
    expect(parse('0001-01-01T00:00:00Z').data).toBe('0001-01-01T00:00:00.000Z');
    expect(parse('9999-12-31T23:59:59.999Z').data).toBe('9999-12-31T23:59:59.999Z');
    for (const value of [
      '0000-01-01',
      '0000-12-31T23:59:59Z',
      '0001-01-01T00:00:00+00:01',
      '9999-12-31T23:59:59-00:01',
      '10000-01-01',
      '-000001-01-01T00:00:00Z',
      '+002026-01-01',
    ]) {
      expect(parse(value).success, value).toBe(false);
    }
  });

  it('refuses impossible calendar dates and times', () => {
    for (const value of [
      '2026-02-29',
      '1900-02-29',
      '2026-02-30',
      '2026-04-31',
      '2026-13-01',
      '2026-00-01',
      '2026-01-00',
      '2026-01-01T24:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01T12:00:00+24:00',
      '2026-01-01T12:00:00+01:60',
      '2026-01-01 12:00:00Z',
      '2026-1-1',
      'now',
      '',
    ]) {
      expect(parse(value).success, value).toBe(false);
    }
  });

  it('names the problem in its message', () => {
    expect(parse('2026-02-30').error?.issues[0]?.message).toMatch(/not a real date/);
    expect(parse('0000-01-01').error?.issues[0]?.message).toMatch(/0001-01-01/);
    expect(parse('soon').error?.issues[0]?.message).toMatch(/ISO 8601/);
  });
});
