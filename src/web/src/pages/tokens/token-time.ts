const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'always' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "in 3 months", "2 days ago"… for a timestamp, relative to now. */
export function relativeTime(iso: string, now = Date.now()): string {
  const diff = new Date(iso).getTime() - now;
  const size = Math.abs(diff);
  if (size < MINUTE) return diff >= 0 ? 'in less than a minute' : 'just now';
  if (size < HOUR) return relative.format(Math.round(diff / MINUTE), 'minute');
  if (size < DAY) return relative.format(Math.round(diff / HOUR), 'hour');
  if (size < 60 * DAY) return relative.format(Math.round(diff / DAY), 'day');
  if (size < 730 * DAY) return relative.format(Math.round(diff / (30 * DAY)), 'month');
  return relative.format(Math.round(diff / (365 * DAY)), 'year');
}

export function absoluteTime(iso: string): string {
  return absolute.format(new Date(iso));
}
