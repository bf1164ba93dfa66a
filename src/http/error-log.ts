/**
 * How an error is written to the log (pino's `err` serializer, for the Fastify logger and every child of it).
 * pino's default copies every enumerable property, and database errors carry the statement's parameters
 * (drizzle's `params`, and a message ending in `params: …`): document text, embeddings, password hashes. This
 * keeps what locates a fault (type, code, constraint, table, the SQL text, the stack) and drops the values.
 */

/** Properties of driver errors that name where a fault is, never what data was involved. */
const LOCATING_FIELDS = [
  'code',
  'constraint',
  'constraint_name',
  'table',
  'table_name',
  'column',
  'column_name',
  'schema',
  'schema_name',
  'severity',
  'routine',
  'statusCode',
] as const;
const MAX_CAUSES = 4;
const MAX_QUERY_CHARS = 2000;
/** SQLSTATE codes are five digits or capitals; PostgreSQL errors also carry a severity. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

function isDatabaseError(error: Record<string, unknown>): boolean {
  return typeof error.code === 'string' && SQLSTATE.test(error.code) && 'severity' in error;
}

/**
 * The message without values: drizzle's "Failed query: <sql>\nparams: <values>" keeps its SQL only, and a
 * PostgreSQL message stops before its first ": ", after which PostgreSQL quotes the offending value
 * (`invalid input syntax for type uuid: "…"`).
 */
function safeMessage(error: Record<string, unknown>): string {
  const message = typeof error.message === 'string' ? error.message : String(error.message ?? '');
  if (message.startsWith('Failed query: ')) {
    const end = message.indexOf('\nparams:');
    const query = end === -1 ? message : message.slice(0, end);
    return query.length > MAX_QUERY_CHARS ? `${query.slice(0, MAX_QUERY_CHARS)}…` : query;
  }
  if (isDatabaseError(error)) {
    const cut = message.indexOf(': ');
    return cut === -1 ? message : message.slice(0, cut);
  }
  return message;
}

/** The stack's frames under a first line rebuilt from the safe message (the original repeats the message). */
function safeStack(stack: unknown, headline: string): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const frames = stack.indexOf('\n    at ');
  return frames === -1 ? headline : `${headline}${stack.slice(frames)}`;
}

export interface SerializedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (typeof error !== 'object' || error === null) {
    return { type: typeof error, message: String(error), stack: '' };
  }
  const record = error as Record<string, unknown>;
  const type = (error as { constructor?: { name?: string } }).constructor?.name ?? 'Error';
  const message = safeMessage(record);
  const out: SerializedError = { type, message, stack: '' };
  for (const field of LOCATING_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' || typeof value === 'number') out[field] = value;
  }
  out.stack = safeStack(record.stack, `${type}: ${message}`) ?? '';
  if (record.cause !== undefined && depth < MAX_CAUSES) out.cause = serializeError(record.cause, depth + 1);
  return out;
}
