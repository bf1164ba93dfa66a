import { AppError, conflict, unprocessable } from '../errors.js';

/** Finds a PostgreSQL error code on an error or any error in its cause chain (drivers and drizzle wrap them). */
function pgField(error: unknown, field: 'code' | 'constraint' | 'constraint_name'): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const value = (current as Record<string, unknown>)[field];
    if (typeof value === 'string') return value;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for a unique-constraint violation, optionally of one named index or constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (pgField(error, 'code') !== '23505') return false;
  if (constraint === undefined) return true;
  const name = pgField(error, 'constraint') ?? pgField(error, 'constraint_name');
  return name === undefined || name === constraint;
}

/** True for a foreign-key violation, optionally of one named constraint. */
export function isForeignKeyViolation(error: unknown, constraint?: string): boolean {
  if (pgField(error, 'code') !== '23503') return false;
  if (constraint === undefined) return true;
  const name = pgField(error, 'constraint') ?? pgField(error, 'constraint_name');
  return name === undefined || name === constraint;
}

/**
 * The last resort for a database error no repository mapped: what a concurrent client or an input that slipped
 * past validation can cause, as the client answer it deserves. Still a gap to close where it happens, so the
 * callers log it as an error; never used for anything but PostgreSQL's own error codes.
 */
export function unmappedDatabaseError(error: unknown): AppError | undefined {
  const code = pgField(error, 'code');
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  if (code === '23505' || code === '23503' || code === '40001' || code === '40P01') {
    return conflict('CONFLICT', 'The request conflicts with a concurrent change; reload and retry');
  }
  // Class 22, data exception: a value the database cannot take (out of range, unrepresentable).
  if (code.startsWith('22')) {
    return unprocessable('INVALID_VALUE', 'A value in the request cannot be stored or compared');
  }
  return undefined;
}

/** Socket-level failures to reach the server (Node's errno codes and postgres.js's own). */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/**
 * The database cannot be reached or is going away: connection refused, reset or timed out; the server shutting
 * down or restarting (57P01–57P03, what `pg_terminate_backend` and a restart send); connection exceptions
 * (class 08); too many connections (53300). A client can do nothing about these but retry shortly, so they are
 * answered 503 with Retry-After rather than 500, and /ready says so too. postgres.js reconnects by itself on
 * the next query, so an instance recovers without a restart once the database is back.
 */
export function databaseUnavailable(error: unknown): AppError | undefined {
  const code = pgField(error, 'code');
  if (code === undefined) return undefined;
  if (
    !CONNECTION_CODES.has(code) &&
    !/^57P0[1-3]$/.test(code) &&
    !code.startsWith('08') &&
    code !== '53300'
  ) {
    return undefined;
  }
  return new AppError(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry in a few seconds');
}

/** Seconds a client should wait before retrying after DATABASE_UNAVAILABLE. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
