/**
 * The worker thread that owns the embedded database: PGlite runs PostgreSQL in WebAssembly on the thread that
 * calls it, so in the main thread every query (an HNSW search, a large transaction) blocks the event loop and
 * every other request with it. Here it blocks only this thread. Statements arrive as messages
 * (pglite-protocol.ts); a transaction stays open across messages until its `end`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import {
  DEFAULT_RAW_TYPES,
  errorFields,
  type FromPglite,
  type PgliteWorkerData,
  type ToPglite,
} from './pglite-protocol.js';

if (!parentPort) throw new Error('pglite-worker runs as a worker thread');
const port = parentPort;
const init = workerData as PgliteWorkerData;
const send = (message: FromPglite, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

interface OpenTransaction {
  tx: Transaction;
  end(commit: boolean): void;
  /** Settles when the transaction has committed or rolled back. */
  done: Promise<void>;
}

const ROLLBACK = Symbol('rollback');
const transactions = new Map<number, OpenTransaction>();
const identity = (value: unknown) => value;

async function main(): Promise<void> {
  let pg: PGlite;
  try {
    pg = await PGlite.create(init.location, {
      extensions: { vector },
      startParams: init.startParams,
      parsers: Object.fromEntries(DEFAULT_RAW_TYPES.map((oid) => [oid, identity])),
      pgliteWasmModule: init.pgliteWasmModule,
      initdbWasmModule: init.initdbWasmModule,
    });
    await pg.exec(`SET TIME ZONE 'UTC'`);
  } catch (error) {
    send({ type: 'failed', error: errorFields(error) });
    return;
  }

  const target = (tx: number | undefined) => {
    if (tx === undefined) return pg;
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.tx;
  };

  function begin(id: number): Promise<{ tx: number }> {
    return new Promise((resolveBegin, rejectBegin) => {
      let begun = false;
      let endTransaction: (commit: boolean) => void = () => {};
      const ended = new Promise<boolean>((resolve) => {
        endTransaction = resolve;
      });
      const done = pg
        .transaction(async (tx) => {
          transactions.set(id, { tx, end: endTransaction, done });
          begun = true;
          resolveBegin({ tx: id });
          if (!(await ended)) throw ROLLBACK;
        })
        .then(
          () => undefined,
          (error: unknown) => {
            if (!begun) rejectBegin(error);
            if (error !== ROLLBACK) throw error;
          },
        )
        .finally(() => transactions.delete(id));
      // Rejections are reported to whoever ends the transaction.
      done.catch(() => {});
    });
  }

  async function end(tx: number, commit: boolean): Promise<null> {
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    open.end(commit);
    await open.done;
    return null;
  }

  async function handle(message: ToPglite): Promise<unknown> {
    switch (message.op) {
      case 'query': {
        const result = await target(message.tx).query(message.sql, message.params, {
          rowMode: message.rowMode,
          ...(message.rawTypes
            ? { parsers: Object.fromEntries(message.rawTypes.map((oid) => [oid, identity])) }
            : {}),
        });
        return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
      }
      case 'exec':
        return (await target(message.tx).exec(message.sql)).map((result) => ({
          rows: result.rows,
          fields: result.fields,
          affectedRows: result.affectedRows,
        }));
      case 'begin':
        return begin(message.id);
      case 'end':
        return end(message.tx, message.commit);
      case 'dump': {
        // A checkpoint first, so the snapshot needs little WAL replayed when restored. dumpDataDir runs
        // between statements (PGlite's query lock), so the files are copied as of one moment: consistent.
        await pg.exec('CHECKPOINT');
        return new Uint8Array(await (await pg.dumpDataDir('gzip')).arrayBuffer());
      }
      case 'close':
        await pg.close();
        return null;
    }
  }

  port.on('message', (message: ToPglite) => {
    handle(message).then(
      // A dump's bytes are moved to the process, not copied (it may be the size of the database).
      (result) =>
        send(
          { type: 'reply', id: message.id, ok: true, result },
          result instanceof Uint8Array ? [result.buffer as ArrayBuffer] : [],
        ),
      (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: errorFields(error) }),
    );
  });
  send({ type: 'ready' });
}

void main();
