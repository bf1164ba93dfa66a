import { countTokens as libraryCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import {
  countTokens,
  decodeTokens,
  encodeTokens,
  hasLongRun,
  isCharBoundary,
  truncateToTokens,
  withinTokenLimit,
} from './tokenizer.js';

const PLAIN = { disallowedSpecial: new Set<string>() };
const SAMPLES = [
  'Hello, world!',
  'The quick brown fox jumps over the lazy dog.\n\nSecond paragraph.',
  'def f(x):\n    return x * 2  # double',
  '| a | b |\n| --- | --- |\n| 1 | 2 |',
  'naïve café, 数据库系统, 한국어, Ελληνικά',
  '🎉👩‍👩‍👧‍👦🇯🇵 emoji',
  '  leading and trailing spaces  ',
  `${'-'.repeat(60)} ${' '.repeat(60)}|`,
];

describe('countTokens', () => {
  it('matches cl100k_base on ordinary text', () => {
    for (const sample of SAMPLES) expect(countTokens(sample)).toBe(libraryCount(sample, PLAIN));
  });

  it('counts special-token strings as plain text instead of refusing them', () => {
    expect(countTokens('<|endoftext|>')).toBe(libraryCount('<|endoftext|>', PLAIN));
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
    expect(decodeTokens(encodeTokens('a <|im_start|> b'))).toBe('a <|im_start|> b');
  });

  it('is 0 for empty text', () => {
    expect(countTokens('')).toBe(0);
    expect(encodeTokens('')).toEqual([]);
  });

  // Unsliced, the first of these alone takes ~20 s (bench-style timing stays out of tests; the suite's timeout
  // is what would notice a return to quadratic work).
  it('counts very long runs in slices, close to the whole-run count', () => {
    for (const run of [
      'a'.repeat(100_000),
      '数据库'.repeat(33_000),
      '🎉'.repeat(30_000),
      ' '.repeat(100_000),
    ]) {
      expect(hasLongRun(run)).toBe(true);
      expect(countTokens(run)).toBe(encodeTokens(run).length);
      expect(decodeTokens(encodeTokens(run))).toBe(run);
    }
    const run = 'x'.repeat(2000);
    const exact = libraryCount(run, PLAIN);
    expect(Math.abs(countTokens(run) - exact)).toBeLessThanOrEqual(Math.ceil(run.length / 256) + 1);
  });

  it('leaves natural text alone', () => {
    for (const sample of SAMPLES.slice(0, -1)) expect(hasLongRun(sample)).toBe(false);
  });
});

describe('multi-megabyte runs of one character class', () => {
  it('counts a 6 MiB run of one letter, symbol or space without overflowing the regexp stack', () => {
    for (const char of ['x', '!', ' ']) {
      const run = char.repeat(6 * 1024 * 1024);
      const counted = countTokens(run);
      // At least one token per MAX_TOKEN_BYTES bytes, at most one per character.
      expect(counted).toBeGreaterThanOrEqual(run.length / 128);
      expect(counted).toBeLessThanOrEqual(run.length);
    }
  });
});

describe('withinTokenLimit', () => {
  it('returns the count within the limit and false beyond it', () => {
    expect(withinTokenLimit('Hello, world!', 10)).toBe(4);
    expect(withinTokenLimit('Hello, world!', 3)).toBe(false);
    expect(withinTokenLimit('word '.repeat(1_000_000), 5)).toBe(false);
  });
});

describe('encodeTokens and decodeTokens', () => {
  it('round-trip any text', () => {
    for (const sample of SAMPLES) expect(decodeTokens(encodeTokens(sample))).toBe(sample);
  });

  it('decode a cut inside a character as U+FFFD without corrupting the next decode', () => {
    const ids = encodeTokens('🎉');
    expect(ids.length).toBeGreaterThan(1);
    expect(decodeTokens(ids.slice(0, 1))).toBe('\uFFFD');
    // The library's own decode keeps the dangling bytes and prepends garbage to the next call.
    expect(decodeTokens(encodeTokens('🎉 ok'))).toBe('🎉 ok');
  });

  it('know where a cut falls between characters', () => {
    const ids = encodeTokens('a🎉b');
    const boundaries = ids.map((_, at) => isCharBoundary(ids, at));
    expect(boundaries[0]).toBe(true);
    expect(boundaries.filter(Boolean).length).toBe(3);
    expect(isCharBoundary(ids, ids.length)).toBe(true);
  });
});

describe('truncateToTokens', () => {
  it('returns the text when it fits, and nothing for a zero budget', () => {
    expect(truncateToTokens('Hello, world!', 4)).toBe('Hello, world!');
    expect(truncateToTokens('Hello, world!', 0)).toBe('');
  });

  it('returns the longest prefix within the budget', () => {
    const text = 'one two three four five six seven';
    expect(truncateToTokens(text, 3)).toBe('one two three');
    expect(countTokens(truncateToTokens(text, 5))).toBe(5);
  });

  it('never ends inside a character', () => {
    const text = '🎉'.repeat(20);
    for (let budget = 1; budget < 12; budget++) {
      const prefix = truncateToTokens(text, budget);
      expect(prefix).toBe('🎉'.repeat(Math.floor(budget / 3)));
      expect(countTokens(prefix)).toBeLessThanOrEqual(budget);
    }
  });

  it('truncates a 5 MB text exactly to the budget', () => {
    const text = 'All work and no play makes Jack a dull boy. '.repeat(120_000);
    expect(countTokens(truncateToTokens(text, 400))).toBe(400);
  });
});
