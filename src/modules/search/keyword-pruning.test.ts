import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundOf,
  byRarity,
  essentialCount,
  isExact,
  scoreBound,
  type TermStatistics,
  widenedCount,
} from './keyword-pruning.js';

const K1 = 1.2;
const term = (name: string, df: number, idf = 1): TermStatistics => ({
  term: name,
  df,
  chunkIdf: idf,
  docIdf: idf / 2,
});

const terms = fc
  .uniqueArray(fc.record({ term: fc.string({ minLength: 1, maxLength: 4 }), df: fc.nat(10_000) }), {
    selector: (t) => t.term,
    minLength: 1,
    maxLength: 8,
  })
  .map((list) => list.map((t) => term(t.term, t.df, Math.log(1 + 10_000 / (t.df + 0.5)))));

describe('keyword pruning', () => {
  it('bounds a term by (k1 + 1) times its IDF, at chunk and at document level', () => {
    const bound = scoreBound([term('a', 5, 2), term('b', 50, 0.5)], K1);
    expect(bound.chunk).toBeCloseTo(2.2 * 2.5);
    expect(bound.document).toBeCloseTo(2.2 * 1.25);
    expect(boundOf(bound)).toBe(bound.chunk);
  });

  it('reads at least the rarest term in full, then what fits the budget', () => {
    const sorted = byRarity([term('common', 900), term('rare', 10), term('absent', 0), term('mid', 300)]);
    expect(sorted.map((t) => t.term)).toEqual(['absent', 'rare', 'mid', 'common']);
    expect(essentialCount(sorted, 0)).toBe(2);
    expect(essentialCount(sorted, 309)).toBe(2);
    expect(essentialCount(sorted, 310)).toBe(3);
    expect(essentialCount(sorted, 1e9)).toBe(4);
  });

  it('widens until the unread terms cannot reach theta, and reads every term without one', () => {
    fc.assert(
      fc.property(terms, fc.nat(8), fc.double({ min: 0, max: 40, noNaN: true }), (list, from, theta) => {
        const sorted = byRarity(list);
        const start = Math.min(from, sorted.length);
        const count = widenedCount(sorted, start, theta, K1);
        expect(count).toBeGreaterThanOrEqual(start);
        expect(isExact(sorted.slice(count), theta, K1)).toBe(true);
        // No smaller widening would have done.
        if (count > start) expect(isExact(sorted.slice(count - 1), theta, K1)).toBe(false);
        if (theta === 0) expect(count).toBe(sorted.length);
      }),
    );
  });
});
