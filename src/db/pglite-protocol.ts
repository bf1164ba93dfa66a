/** Messages between the process and the worker thread that owns the embedded database (pglite-worker.ts). */

export interface PgliteWorkerInit {
  location: string;
  startParams: string[];
}

/** What the worker is started with: the init plus PGlite's WebAssembly, compiled once per process. */
export interface PgliteWorkerData extends PgliteWorkerInit {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
}

/** `tx`: the transaction the statement belongs to (the id of its `begin`); absent outside transactions. */
export type ToPglite =
  | {
      id: number;
      op: 'query';
      sql: string;
      params: unknown[];
      rowMode: 'array' | 'object';
      /** Type OIDs to return as PostgreSQL's text instead of parsing (what drizzle asks for). */
      rawTypes: number[];
      tx?: number;
    }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
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
