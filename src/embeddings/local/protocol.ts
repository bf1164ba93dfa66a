/**
 * Constants and the message protocol between the pool (main thread) and its workers. Kept free of model
 * imports so that the main thread never loads TensorFlow.
 */
import type { WindowOptions } from './windows.js';

export const LOCAL_MODEL_ID = 'local/universal-sentence-encoder-lite';
export const LOCAL_DIMENSIONS = 512;

export interface WorkerInit {
  window: WindowOptions;
  /** Windows handed to the model per call; bounds the tensor memory of one call. */
  modelBatch: number;
}

export type ToWorker = { type: 'embed'; id: number; texts: string[] };

export type FromWorker =
  /** `loadMs`: time spent loading the weights, after the worker's modules were imported. */
  | { type: 'ready'; loadMs: number }
  /**
   * `vectors` holds `count` consecutive unit vectors of LOCAL_DIMENSIONS floats; its buffer is transferred.
   */
  | { type: 'result'; id: number; vectors: Float32Array; count: number }
  | { type: 'failed'; id: number; message: string };
