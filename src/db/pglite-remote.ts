import { readFile } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../workers/start-worker.js';
import {
  type CompiledWasm,
  DEFAULT_RAW_TYPES,
  type FromPglite,
  type PgliteErrorFields,
  type PgliteWorkerData,
  type PgliteWorkerInit,
  type ToPglite,
} from './pglite-protocol.js';

/** What a query returns, as PGlite's `Results`. */
export interface RemoteResults {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

interface QueryOptions {
  rowMode?: 'array' | 'object';
  /** Only identity parsers are supported (drizzle's: keep these types as text); their type OIDs are sent. */
  parsers?: Record<number, unknown>;
}

/** The part of PGlite's interface drizzle's PGlite driver uses, inside a transaction. */
export interface RemoteTransaction {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<RemoteResults>;
  exec(sql: string): Promise<RemoteResults[]>;
}

type Request = ToPglite extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/** The runtime's WebAssembly API (the server build's TypeScript libs do not declare it). */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> } })
  .WebAssembly;

let compiled: Promise<Pick<PgliteWorkerData, 'pgliteWasmModule' | 'initdbWasmModule'>> | undefined;

/**
 * PGlite's two WebAssembly modules, compiled once per process and handed to every worker (compiling them
 * takes seconds; a compiled module can be shared between threads).
 */
function wasmModules() {
  compiled ??= (async () => {
    const dist = new URL('.', import.meta.resolve('@electric-sql/pglite'));
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all(
      ['pglite.wasm', 'initdb.wasm'].map(async (name) => wasm.compile(await readFile(new URL(name, dist)))),
    );
    return { pgliteWasmModule, initdbWasmModule } as {
      pgliteWasmModule: CompiledWasm;
      initdbWasmModule: CompiledWasm;
    };
  })();
  return compiled;
}

/** The types a query wants as text beyond the worker's defaults (none for drizzle's queries). */
function rawTypesOf(options: QueryOptions): { rawTypes?: number[] } {
  const rawTypes = Object.keys(options.parsers ?? {})
    .map(Number)
    .filter((oid) => !DEFAULT_RAW_TYPES.includes(oid));
  return rawTypes.length > 0 ? { rawTypes } : {};
}

/** An error raised by the embedded database, with the fields (code, constraint…) callers map. */
function databaseError(fields: PgliteErrorFields): Error {
  const error = new Error(fields.message);
  Object.assign(error, fields);
  return error;
}

/**
 * The embedded database as seen from the process: the same calls as a PGlite instance, answered by the worker
 * thread that owns it (pglite-worker.ts), so no query ever runs on the event loop. Transactions keep their
 * statements together on the worker; statements from outside wait for them there, as they would in PGlite.
 */
export class RemotePglite implements RemoteTransaction {
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 1;
  /** Set while there is no worker to answer: closed for good, or gone and being reopened. */
  private stopped: Error | undefined;
  private closing = false;
  /** Workers started again after one died (tests and metrics read it). */
  reopened = 0;

  private constructor(
    private worker: Worker,
    private readonly init: PgliteWorkerInit,
  ) {
    this.use(worker);
  }

  /** Makes `worker` the one that answers: its replies and its death are heard from now on. */
  private use(worker: Worker): void {
    this.worker = worker;
    this.attach(worker);
    this.updateRef();
  }

  private attach(worker: Worker): void {
    worker.on('message', (message: FromPglite) => {
      if (message.type !== 'reply') return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      this.updateRef();
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(databaseError(message.error));
    });
    const stop = (detail: string, cause?: Error) => {
      if (worker !== this.worker || this.stopped) return;
      // 57P03 (cannot connect now): callers answer 503 DATABASE_UNAVAILABLE and clients retry.
      this.stopped = Object.assign(new Error(`the embedded database stopped (${detail})`, { cause }), {
        code: '57P03',
      });
      for (const waiting of this.pending.values()) waiting.reject(this.stopped);
      this.pending.clear();
      if (!this.closing) void this.reopen();
    };
    worker.on('error', (error) => stop(error.message, error));
    worker.on('exit', (code) => stop(`exit code ${code}`));
  }

  /**
   * The worker died (a WebAssembly abort, an out-of-memory): what was committed is on disk, what was under way
   * failed with its caller. Opens the database again in a new worker, retrying with a growing pause, so the
   * server recovers by itself as it does when PostgreSQL restarts.
   */
  private async reopen(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        const worker = await RemotePglite.open(this.init);
        if (this.closing) {
          await worker.terminate();
          return;
        }
        this.use(worker);
        this.stopped = undefined;
        this.reopened++;
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5000)).unref());
      }
    }
  }

  /** Test hook: kills the worker the way a crash would. */
  _crashForTesting(): Promise<number> {
    return this.worker.terminate();
  }

  /** Starts the worker and resolves once the database is open (rejects with the reason it could not open). */
  static async start(init: PgliteWorkerInit): Promise<RemotePglite> {
    return new RemotePglite(await RemotePglite.open(init), init);
  }

  private static async open(init: PgliteWorkerInit): Promise<Worker> {
    const worker = startModuleWorker(import.meta.url, 'pglite-worker', { ...init, ...(await wasmModules()) });
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromPglite) => {
        if (message.type === 'ready') {
          worker.off('message', onMessage);
          resolve(worker);
        } else if (message.type === 'failed') {
          worker.off('message', onMessage);
          void worker.terminate();
          reject(databaseError(message.error));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the embedded database did not open (exit code ${code})`)),
      );
    });
  }

  query(
    sql: string,
    params: unknown[] = [],
    options: QueryOptions = {},
    tx?: number,
  ): Promise<RemoteResults> {
    return this.call({
      op: 'query',
      sql,
      params,
      rowMode: options.rowMode ?? 'object',
      ...rawTypesOf(options),
      ...(tx === undefined ? {} : { tx }),
    }) as Promise<RemoteResults>;
  }

  exec(sql: string, tx?: number): Promise<RemoteResults[]> {
    return this.call({ op: 'exec', sql, ...(tx === undefined ? {} : { tx }) }) as Promise<RemoteResults[]>;
  }

  /** The whole data directory as a gzipped tar (see the worker's `dump`). */
  dump(): Promise<Uint8Array> {
    return this.call({ op: 'dump' }) as Promise<Uint8Array>;
  }

  async transaction<T>(callback: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const { tx } = (await this.call({ op: 'begin' })) as { tx: number };
    const client: RemoteTransaction = {
      query: (sql, params, options) => this.query(sql, params, options, tx),
      exec: (sql) => this.exec(sql, tx),
    };
    let result: T;
    try {
      result = await callback(client);
    } catch (error) {
      await this.call({ op: 'end', tx, commit: false }).catch(() => {});
      throw error;
    }
    await this.call({ op: 'end', tx, commit: true });
    return result;
  }

  /**
   * Closes the database and opens it again in a new worker. WebAssembly memory only grows, so what a one-off
   * job such as migrating the schema took stays resident until the worker is gone; after that, the database
   * opens at its everyday size. Only while nothing else is using it.
   */
  async restart(): Promise<void> {
    if (this.pending.size > 0) throw new Error('the embedded database is busy');
    await this.call({ op: 'close' });
    const old = this.worker;
    this.use(await RemotePglite.open(this.init));
    await old.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.stopped) await this.call({ op: 'close' }).catch(() => {});
    this.stopped ??= new Error('the embedded database is closed');
    await this.worker.terminate();
  }

  private call(request: Request): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.updateRef();
      this.worker.postMessage({ ...request, id } as ToPglite);
    });
  }

  /** The worker keeps the process alive only while a statement is under way (like a socket with a query). */
  private updateRef(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}
