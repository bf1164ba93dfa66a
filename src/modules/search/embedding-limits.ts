import { tooLarge } from '../../errors.js';
import { withinTokenLimit } from '../../ingest/tokenizer.js';

export interface EmbeddingLimits {
  /** EMBEDDINGS_MAX_INPUTS */
  maxInputs: number;
  /** EMBEDDINGS_MAX_INPUT_TOKENS */
  maxInputTokens: number;
  /** EMBEDDINGS_MAX_TOTAL_TOKENS */
  maxTotalTokens: number;
}

/**
 * The cl100k token count of each input, or 413 naming the limit passed. Counting is bounded: no input is
 * encoded past the per-input limit, and counting stops once the total passes its limit, so an oversized
 * request costs at most about `maxTotalTokens + maxInputTokens` tokens of work, whatever its size.
 */
export function countEmbeddingInputs(texts: readonly string[], limits: EmbeddingLimits): number[] {
  if (texts.length > limits.maxInputs) {
    throw tooLarge(
      'TOO_MANY_INPUTS',
      `${texts.length} inputs; the limit is ${limits.maxInputs} per request (EMBEDDINGS_MAX_INPUTS)`,
    );
  }
  const counts: number[] = [];
  let total = 0;
  for (const [index, text] of texts.entries()) {
    const count = withinTokenLimit(text, limits.maxInputTokens);
    if (count === false) {
      throw tooLarge(
        'INPUT_TOO_LONG',
        `Input ${index} is longer than ${limits.maxInputTokens} tokens, the limit per input (EMBEDDINGS_MAX_INPUT_TOKENS)`,
      );
    }
    total += count;
    if (total > limits.maxTotalTokens) {
      throw tooLarge(
        'TOO_MANY_TOKENS',
        `The inputs exceed ${limits.maxTotalTokens} tokens, the limit per request (EMBEDDINGS_MAX_TOTAL_TOKENS)`,
      );
    }
    counts.push(count);
  }
  return counts;
}
