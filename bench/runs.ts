import type { AppContext } from '../src/context.js';
import {
  createSearchService,
  type SearchMode,
  type SearchService,
} from '../src/modules/search/search.service.js';

export interface SearchRun {
  label: string;
  mode: SearchMode;
  /** A fixed keyword weight for hybrid instead of the per-query default. */
  weight?: number;
}

/** The three modes, plus hybrid at each fixed keyword weight asked for with --weights 0.5,0.8,… */
export function searchRuns(weights: string | undefined): SearchRun[] {
  return [
    { label: 'keyword', mode: 'keyword' },
    { label: 'semantic', mode: 'semantic' },
    { label: 'hybrid', mode: 'hybrid' },
    ...(weights ?? '')
      .split(',')
      .filter(Boolean)
      .map((w) => ({ label: `hybrid@${w}`, mode: 'hybrid' as const, weight: Number(w) })),
  ];
}

export function searchFor(ctx: AppContext, standard: SearchService, run: SearchRun): SearchService {
  return run.weight === undefined
    ? standard
    : createSearchService({ ...ctx, keywordWeights: { strong: run.weight, weak: run.weight } });
}
