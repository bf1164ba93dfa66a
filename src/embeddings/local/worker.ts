/**
 * Entry point of one pool worker thread: loads the model once, then embeds the batches the pool sends, one at
 * a time. Started by provider.ts directly as `worker.js` from compiled output, or through a tsx bootstrap from
 * sources.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UseEncoder } from './encoder.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('worker.ts must be started as a worker thread');

const init = workerData as WorkerInit;
const loadStarted = performance.now();
// A load failure rejects here and surfaces in the pool as the worker's 'error' event, which is what we want.
const encoder = await UseEncoder.load({ window: init.window, modelBatch: init.modelBatch });

const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

// Jobs are chained so that the model is never entered twice at once, even though the pool sends one job per
// worker at a time anyway.
let queue: Promise<void> = Promise.resolve();
port.on('message', (message: ToWorker) => {
  if (message.type !== 'embed') return;
  queue = queue.then(async () => {
    try {
      const vectors = await encoder.embed(message.texts);
      send({ type: 'result', id: message.id, vectors, count: message.texts.length }, [
        vectors.buffer as ArrayBuffer,
      ]);
    } catch (error) {
      send({
        type: 'failed',
        id: message.id,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
});

send({ type: 'ready', loadMs: Math.round(performance.now() - loadStarted) });
