import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Creating a new PGlite data directory runs initdb, a second WebAssembly instance whose memory the process
 * never gets back (measured: ~350 MB still resident after the first start, against ~270 MB on every later
 * start). So a new directory is created in a throwaway worker thread, whose memory goes when it exits, and
 * the process then opens it like an existing one. Plain JavaScript evaluated in the worker, with the packages'
 * resolved URLs, so it runs the same from the sources and from the build.
 */
const CREATE = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { PGlite } = await import(workerData.pglite);
  const { vector } = await import(workerData.vector);
  const pg = await PGlite.create(workerData.location, { extensions: { vector }, startParams: workerData.startParams });
  await pg.close();
})().catch((error) => { throw error; });
`;

/** Whether `location` already holds a PostgreSQL data directory. */
export const isInitialized = (location: string) => existsSync(join(location, 'PG_VERSION'));

export async function initializeInWorker(location: string, startParams: string[]): Promise<void> {
  const worker = new Worker(CREATE, {
    eval: true,
    workerData: {
      location,
      startParams,
      pglite: import.meta.resolve('@electric-sql/pglite'),
      vector: import.meta.resolve('@electric-sql/pglite-pgvector'),
    },
  });
  await new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) =>
      failure || code !== 0
        ? reject(failure ?? new Error(`creating the embedded database failed (exit code ${code})`))
        : resolve(),
    );
  });
}
