// Starts a pool worker from TypeScript sources (vitest, tsx). On Node 20, tsx's hooks given to a worker
// through `--import` do not apply to the worker's entry module, so register them here first, then import the
// real entry. Plain JavaScript because Node must run it before any TypeScript support exists; only used from
// sources, so the compiled build (which starts worker.js directly) neither needs nor contains it.
import { workerData } from 'node:worker_threads';

const { api, entry } = workerData.tsx;
const tsx = await import(api);
tsx.register();
await import(entry);
