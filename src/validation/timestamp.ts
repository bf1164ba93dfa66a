import { z } from 'zod';

/**
 * The one schema for every point in time a client sends (search date filters, expected_updated_at), shared by
 * REST and MCP. Accepted: an ISO 8601 date `YYYY-MM-DD` (midnight UTC) or date-time
 * `YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM|±HH]`, without an offset meaning UTC, of a real calendar
 * day, whose instant lies in years 0001–9999 UTC (PostgreSQL's timestamptz takes wider, but no year 0, and
 * nothing a document could have been stored at lies outside). The parsed value is that instant as a UTC ISO
 * string, so the database never guesses a time zone. A short pattern on purpose: zod's own ISO check puts a
 * kilobyte of regex into tools/list.
 */

const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const FIRST_INSTANT = new Date('0001-01-01T00:00:00.000Z').getTime();
const LAST_INSTANT = new Date('9999-12-31T23:59:59.999Z').getTime();

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysIn = (year: number, month: number) =>
  month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);

/** The instant a valid timestamp names, or why it names none. */
export function parseTimestamp(value: string): { instant: Date } | { error: string } {
  const match = SHAPE.exec(value);
  if (!match)
    return { error: 'must be an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z' };
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone = 'Z'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) return { error: 'is not a real date: the month must be 01–12' };
  if (day < 1 || day > daysIn(year, month))
    return { error: `is not a real date: that month has no day ${d}` };
  if (hour > 23 || minute > 59 || second > 59) return { error: 'is not a real time: use 00:00:00–23:59:59' };
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetRest = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetRest > 59) return { error: 'has an impossible UTC offset' };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const time = utc.getTime();
  if (Number.isNaN(time) || time < FIRST_INSTANT || time > LAST_INSTANT) {
    return { error: 'must lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z' };
  }
  return { instant: utc };
}

export const timestamp = z
  .string()
  .max(64, 'must be an ISO 8601 date or date-time')
  .regex(/^\d{4}-\d{2}-\d{2}/, {
    message: 'must be an ISO 8601 date or date-time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z',
    abort: true,
  })
  .transform((value, ctx) => {
    const parsed = parseTimestamp(value);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    return parsed.instant.toISOString();
  })
  .describe('ISO 8601 date or date-time (UTC when no offset is given), years 0001–9999');
