/** Messages between the process and the worker thread that owns the embedded database (pglite-worker.ts). */

export interface PgliteWorkerInit {
  location: string;
  startParams: string[];
}

/** A compiled WebAssembly.Module, opaque here (the server build's TypeScript libs do not declare WebAssembly). */
export type CompiledWasm = object;

/** What the worker is started with: the init plus PGlite's WebAssembly, compiled once per process. */
export interface PgliteWorkerData extends PgliteWorkerInit {
  pgliteWasmModule: CompiledWasm;
  initdbWasmModule: CompiledWasm;
}

/**
 * The types drizzle asks PGlite to return as text (timestamps, dates, intervals, numeric[] and their arrays),
 * on every query. The worker's PGlite returns them as text by default, so drizzle's queries send no
 * `rawTypes`: PGlite merges per-query parsers into its whole parser table on every query, a measurable cost.
 * Only drizzle talks to the worker, so nothing needs these types parsed.
 */
export const DEFAULT_RAW_TYPES: readonly number[] = [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182];

/** `tx`: the transaction the statement belongs to (the id of its `begin`); absent outside transactions. */
export type ToPglite =
  | {
      id: number;
      op: 'query';
      sql: string;
      params: unknown[];
      rowMode: 'array' | 'object';
      /** Further type OIDs to return as PostgreSQL's text instead of parsing (beyond DEFAULT_RAW_TYPES). */
      rawTypes?: number[];
      tx?: number;
    }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  /** A gzipped tar of the whole data directory, taken between statements (the reply is a Uint8Array). */
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

/** A database error's fields (code, constraint, detail…), carried across so callers can map it. */
export type PgliteErrorFields = { message: string } & Record<string, unknown>;

export type FromPglite =
  | { type: 'ready' }
  | { type: 'failed'; error: PgliteErrorFields }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: PgliteErrorFields };

/** Own string, number and boolean fields of an error: what a structured clone of it would lose. */
export function errorFields(error: unknown): PgliteErrorFields {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: PgliteErrorFields = { message: error.message, name: error.name };
  for (const [key, value] of Object.entries(error)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return fields;
}
