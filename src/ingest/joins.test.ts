import { describe, expect, it } from 'vitest';
import { breakTokens, tailStart } from './joins.js';
import { countTokens } from './tokenizer.js';

const LINES = [
  'Hello, world!',
  'plain words',
  'ends with a number 12345',
  'ends with spaces   ',
  '  }',
  '}',
  '```',
  '- list item;',
  '数据库系统。',
  '数据库系统',
  'emoji 🎉',
  "it's",
  'x = f(1);\t',
  '\u00a0non-breaking\u00a0',
  '| a | b |',
  '...',
];
const SEPARATORS = ['\n', '\n\n', '\n  \n', '\n\n\n\n'];

describe('tailStart', () => {
  it('finds the last place a pre-token must end', () => {
    expect(tailStart('hello world')).toBe(5);
    expect(tailStart('foo.')).toBe(3);
    expect(tailStart('x = 1;')).toBe(5);
    expect(tailStart('数据库。')).toBe(3);
    expect(tailStart('abc')).toBe(0);
    expect(tailStart('  }')).toBe(0);
    expect(tailStart('')).toBe(0);
  });
});

describe('breakTokens', () => {
  it('gives exactly what a line break adds after a line', () => {
    for (const line of LINES) {
      for (const sep of SEPARATORS) {
        expect(breakTokens(line, countTokens(line), sep)).toBe(countTokens(line + sep) - countTokens(line));
      }
    }
  });

  it('adds up: a line, a break and the next line count as their parts', () => {
    for (const a of LINES) {
      for (const b of LINES) {
        for (const sep of SEPARATORS) {
          const parts = countTokens(a) + breakTokens(a, countTokens(a), sep) + countTokens(b);
          expect(parts).toBe(countTokens(a + sep + b));
        }
      }
    }
  });
});
