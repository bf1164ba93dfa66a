import { SEARCH_MODES, type SearchMode, type SearchRequest } from './search-types';

/** What the search form edits; kept in the URL so a search can be shared and survives a reload. */
export interface SearchOptions {
  query: string;
  mode: SearchMode;
  collectionIds: string[];
  documentTypes: string[];
  maxResults: number;
}

export const DEFAULT_MAX_RESULTS = 10;
export const MAX_RESULTS_LIMIT = 50;
/** The server caps a response at 20k tokens; the UI asks for all of it so max_results decides the count. */
const UI_TOKEN_BUDGET = 20_000;

function isMode(value: string | null): value is SearchMode {
  return value !== null && (SEARCH_MODES as readonly string[]).includes(value);
}

function clampResults(raw: string | null): number {
  const parsed = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(parsed)) return DEFAULT_MAX_RESULTS;
  return Math.min(MAX_RESULTS_LIMIT, Math.max(1, parsed));
}

export function readSearchOptions(params: URLSearchParams): SearchOptions {
  const mode = params.get('mode');
  return {
    query: params.get('q') ?? '',
    mode: isMode(mode) ? mode : 'hybrid',
    collectionIds: params.getAll('collection').filter(Boolean),
    documentTypes: params.getAll('type').filter(Boolean),
    maxResults: clampResults(params.get('limit')),
  };
}

export function writeSearchOptions(options: SearchOptions): URLSearchParams {
  const params = new URLSearchParams();
  params.set('q', options.query.trim());
  if (options.mode !== 'hybrid') params.set('mode', options.mode);
  for (const id of options.collectionIds) params.append('collection', id);
  for (const type of options.documentTypes) params.append('type', type);
  if (options.maxResults !== DEFAULT_MAX_RESULTS) params.set('limit', String(options.maxResults));
  return params;
}

export function toSearchRequest(options: SearchOptions): SearchRequest {
  return {
    query: options.query.trim(),
    mode: options.mode,
    ...(options.collectionIds.length > 0 ? { collection_ids: options.collectionIds } : {}),
    ...(options.documentTypes.length > 0 ? { document_type: options.documentTypes } : {}),
    max_results: options.maxResults,
    max_tokens: UI_TOKEN_BUDGET,
  };
}
