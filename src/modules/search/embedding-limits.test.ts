import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { countTokens } from '../../ingest/tokenizer.js';
import { countEmbeddingInputs, type EmbeddingLimits } from './embedding-limits.js';

const limits: EmbeddingLimits = { maxInputs: 3, maxInputTokens: 10, maxTotalTokens: 15 };

function refusal(texts: string[], given: EmbeddingLimits = limits): string | undefined {
  try {
    countEmbeddingInputs(texts, given);
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return `${error.status} ${error.code}: ${error.message}`;
  }
}

describe('countEmbeddingInputs', () => {
  it('returns the cl100k count of each input within the limits', () => {
    const texts = ['hello world', 'The cat sleeps.', ''];
    expect(countEmbeddingInputs(texts, limits)).toEqual(texts.map(countTokens));
  });

  it('refuses too many inputs, naming the limit', () => {
    expect(refusal(['a', 'b', 'c', 'd'])).toBe(
      '413 TOO_MANY_INPUTS: 4 inputs; the limit is 3 per request (EMBEDDINGS_MAX_INPUTS)',
    );
  });

  it('refuses an input over the per-input limit, naming it and the input', () => {
    const long = 'word '.repeat(11);
    expect(refusal(['ok', long])).toMatch(
      /^413 INPUT_TOO_LONG: Input 1 .*10 tokens.*EMBEDDINGS_MAX_INPUT_TOKENS/,
    );
  });

  it('refuses inputs over the total, naming the limit', () => {
    const eight = 'one two three four five six seven eight';
    expect(countTokens(eight)).toBe(8);
    expect(refusal([eight, eight])).toMatch(/^413 TOO_MANY_TOKENS: .*15 tokens.*EMBEDDINGS_MAX_TOTAL_TOKENS/);
  });

  it('refuses a huge input by its length alone, without encoding it', () => {
    // 6 MiB in one run of letters: encoding it at all overflows the regex engine's stack (a RangeError, so a
    // 500); its length alone proves it is over any per-input limit below 49152 tokens.
    const huge = 'x'.repeat(6 * 1024 * 1024);
    const started = performance.now();
    expect(refusal([huge], { maxInputs: 1, maxInputTokens: 8192, maxTotalTokens: 100_000 })).toMatch(
      /^413 INPUT_TOO_LONG/,
    );
    expect(performance.now() - started).toBeLessThan(250);
  });
});
