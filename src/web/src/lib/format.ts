const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const number = new Intl.NumberFormat();

function parse(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export const formatDateTime = (value: string | null | undefined, empty = '—') => {
  const date = parse(value);
  return date ? dateTime.format(date) : empty;
};

export const formatDate = (value: string | null | undefined, empty = '—') => {
  const date = parse(value);
  return date ? dateOnly.format(date) : empty;
};

export const formatNumber = (value: number) => number.format(value);

export const plural = (count: number, one: string, many = `${one}s`) =>
  `${formatNumber(count)} ${count === 1 ? one : many}`;

/** This month as the API's `YYYY-MM` (UTC, as the server counts). */
export function currentYearMonth(now = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}
