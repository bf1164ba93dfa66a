import { Worker } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry is `name` next to the calling module (`callerUrl`: its
 * `import.meta.url`): the compiled `name.js` in the build. When the caller is itself TypeScript (vitest, tsx),
 * Node cannot run `name.ts` on its own, and on Node 20 tsx's `--import` hooks do not reach a worker's entry
 * module; so `tsx-bootstrap.mjs` registers tsx inside the worker and then imports `name.ts`. A file rather
 * than eval'd code, because only file workers inherit the parent's `--import` preloads. Throws when tsx is
 * needed and missing.
 */
export function startModuleWorker(callerUrl: string, name: string, workerData: object): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  let api: string;
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch (cause) {
    throw new Error('running a worker from TypeScript sources needs tsx', { cause });
  }
  const tsx = { api, entry: new URL(`./${name}.ts`, callerUrl).href };
  return new Worker(new URL('./tsx-bootstrap.mjs', import.meta.url), { workerData: { ...workerData, tsx } });
}
