import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RELEVANCE_MODELS, relevance, relevanceFeatures } from './relevance.js';

const MODES = ['hybrid', 'keyword', 'semantic'] as const;
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const own = fc.double({ min: 0, max: 3, noNaN: true });

describe('relevance', () => {
  it('weighs every per-result input non-negatively, so it cannot reorder a ranking', () => {
    for (const mode of MODES) {
      const beta = RELEVANCE_MODELS[mode];
      expect(beta).toHaveLength(
        relevanceFeatures({ own: 0, place: 0, best: 0, second: 0 }, { bestCosine: 0, coverage: 0 }).length +
          1,
      );
      for (const i of [1, 2, 3]) expect(beta[i], `${mode} weight ${i}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('is in [0, 1] and falls (or stays) down any ranked list, for every mode and query', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MODES),
        fc.array(own, { minLength: 1, maxLength: 30 }),
        unit,
        unit,
        (mode, scores, bestCosine, coverage) => {
          const ranked = [...scores].sort((a, b) => b - a);
          const best = ranked[0] ?? 0;
          const second = ranked[1] ?? 0;
          const values = ranked.map((score, place) =>
            relevance(mode, { own: score, place, best, second }, { bestCosine, coverage }),
          );
          for (const v of values) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
          for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1] ?? 1);
        },
      ),
    );
  });

  it("never lowers the best result's relevance as its own score (and the best cosine, which it is) rises", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODES), unit, unit, unit, (mode, a, b, coverage) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        // A lone result: it is the best and has no second to lead.
        const lone = (own: number) =>
          relevance(
            mode,
            { own, place: 0, best: own, second: own },
            { bestCosine: mode === 'keyword' ? 0 : own, coverage },
          );
        expect(lone(high)).toBeGreaterThanOrEqual(lone(low) - 1e-12);
      }),
    );
  });

  it('trusts a keyword match that covers the whole query more than one that covers a word of it', () => {
    const standing = { own: 0.5, place: 0, best: 0.5, second: 0.2 };
    expect(relevance('keyword', standing, { bestCosine: 0, coverage: 1 })).toBeGreaterThan(
      relevance('keyword', standing, { bestCosine: 0, coverage: 0.2 }),
    );
  });
});
