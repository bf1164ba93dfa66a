import { describe, expect, it } from 'vitest';
import { splitByCharacters, splitByTokens } from './split-tokens.js';
import { countTokens } from './tokenizer.js';

const TEXTS = [
  'alpha beta gamma delta '.repeat(50),
  '数据库系统是一种用于存储和管理数据的软件。'.repeat(20),
  '🎉👩‍👩‍👧‍👦 party 🇯🇵 '.repeat(40),
  'x'.repeat(3000),
];

describe('splitByTokens', () => {
  it('returns short text whole', () => {
    expect(splitByTokens('short text', 10, 2)).toEqual([{ text: 'short text', tokens: 2 }]);
  });

  it('cuts into clean pieces within the limit that join back to the text', () => {
    for (const text of TEXTS) {
      const pieces = splitByTokens(text, 40, 0);
      expect(pieces.length).toBeGreaterThan(1);
      for (const piece of pieces) {
        expect(piece.tokens).toBe(countTokens(piece.text));
        expect(piece.tokens).toBeLessThanOrEqual(40);
        expect(piece.text).not.toContain('\uFFFD');
      }
      expect(pieces.map((p) => p.text).join('')).toBe(text);
    }
  });

  it('overlaps consecutive pieces by about the requested tokens', () => {
    // Texts that never repeat, so each piece's position in the text is certain.
    const distinct = (from: number, count: number, gap = '') =>
      Array.from({ length: count }, (_, i) => String.fromCodePoint(from + i)).join(gap);
    const texts = [
      Array.from({ length: 300 }, (_, i) => `word${i}`).join(' '),
      distinct(0x4e00, 600),
      distinct(0x1f300, 300, ' '),
    ];
    for (const text of texts) {
      const pieces = splitByTokens(text, 40, 8);
      let position = 0;
      pieces.forEach((piece, i) => {
        const at = text.indexOf(piece.text);
        expect(at).toBeGreaterThanOrEqual(0);
        if (i > 0) {
          // Starts before the previous piece ended, by a few tokens' worth of text.
          expect(at).toBeLessThan(position);
          expect(countTokens(text.slice(at, position))).toBeLessThanOrEqual(10);
        }
        position = at + piece.text.length;
      });
      expect(position).toBe(text.length);
    }
  });
});

describe('splitByCharacters', () => {
  it('cuts by code points within the limit', () => {
    const text = '🎉数据'.repeat(50);
    const pieces = splitByCharacters(text, 10);
    for (const piece of pieces) expect(piece.tokens).toBeLessThanOrEqual(10);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
  });
});
