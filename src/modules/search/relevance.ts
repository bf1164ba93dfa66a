import type { SearchMode } from './search.service.js';

/**
 * A result's `score`: the estimated probability that its document answers the query, in [0, 1], so one number
 * means the same thing whatever the query and a floor (`min_score`) can cut what is not worth an agent's context.
 *
 * Raw leg scores cannot do that: BM25 grows with the query's length and rarity, cosines of the bundled model sit
 * between about 0.2 and 0.8 whether or not anything answers, and hybrid's mix is normalised within each query
 * (its best hit scores near 1 even when nothing matches). So each mode has a logistic model over the result's
 * own score and place in the list and a few signals about the whole query (how close the best candidate is, how
 * much of the query the best keyword match covers, how far the best stands out), fitted by `bench/calibrate.ts`
 * on the tuning halves of the everyday and conversation sets and of a SciFact subset (a result counts as relevant
 * when its document is a judged answer). The per-result inputs all grow with the ranking score and have
 * non-negative weights, and the rest is the same for every result of a query, so the relevance never reorders a
 * mode's ranking; it only says how far to trust it.
 *
 * Fitted for the bundled model. An API embedding model has other cosine ranges: its scores stay in [0, 1] and
 * ordered, but their calibration is not measured here (no API model is reachable from the test machine).
 */

export interface QuerySignals {
  /** Highest cosine among the candidates (0 when the semantic leg did not run). */
  bestCosine: number;
  /** The best keyword candidate's BM25 as a share of the query's ceiling, capped at 1 (0: no keyword match). */
  coverage: number;
}

/** Where a result stands in its mode's ranking. */
export interface Standing {
  /** The mode's ranking score: the fused mix (hybrid), BM25's share of the ceiling (keyword), cosine (semantic). */
  own: number;
  /** 0-based place in the ranking. */
  place: number;
  /** The first and second results' own scores. */
  best: number;
  second: number;
}

/** Own scores are clamped so an outlier (BM25 shares above 1 exist) cannot saturate the logistic meaninglessly. */
const OWN_CAP = 2;
const clamp = (n: number) => Math.min(Math.max(n, 0), OWN_CAP);

/**
 * The model's inputs, in the order of the weights below: own score, 1/(place+1), own − best (per result, all
 * rising with the ranking), then best cosine, keyword coverage, best − second (per query).
 */
export function relevanceFeatures(standing: Standing, signals: QuerySignals): number[] {
  const own = clamp(standing.own);
  const best = clamp(standing.best);
  return [
    own,
    1 / (standing.place + 1),
    own - best,
    signals.bestCosine,
    signals.coverage,
    best - clamp(standing.second),
  ];
}

/** [intercept, …weights of relevanceFeatures]; bench/calibrate.ts output (2026-12-03, bundled model). */
export const RELEVANCE_MODELS: Record<SearchMode, readonly number[]> = {
  keyword: [-4.701, 3.584, 2.074, 4.113, 0, 1.562, 0.354],
  semantic: [-2.627, 0, 1.49, 19.378, 0, 0, 17.03],
  hybrid: [-3.893, 2.202, 1.581, 6.759, -0.687, 2.598, 1.875],
};

export function relevance(
  mode: SearchMode,
  standing: Standing,
  signals: QuerySignals,
  models: Record<SearchMode, readonly number[]> = RELEVANCE_MODELS,
): number {
  return logistic(models[mode], relevanceFeatures(standing, signals));
}

/** σ(β₀ + Σ βᵢ·xᵢ): a fitted model ([intercept, …weights]) applied to its features. */
export function logistic(beta: readonly number[], x: readonly number[]): number {
  const z = x.reduce((sum, xi, i) => sum + xi * (beta[i + 1] ?? 0), beta[0] ?? 0);
  return 1 / (1 + Math.exp(-z));
}
