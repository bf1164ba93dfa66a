export type SearchMode = 'hybrid' | 'semantic' | 'keyword';

export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'semantic', 'keyword'];

/** Keyword and semantic values of one result; null when that leg did not find the chunk. */
export interface RankPair {
  keyword: number | null;
  semantic: number | null;
}

export interface SearchHit {
  document_id: string;
  title: string;
  chunk_index: number;
  content: string;
  score: number;
  collection: string;
  collection_id: string;
  document_type: string;
  heading_path: string[];
  truncated: boolean;
  ranks: RankPair;
  /** `rerank`: the reranker's score; null when it did not rerank this result. */
  scores: RankPair & { rerank: number | null };
}

/** Whether a configured reranker reordered the results (the server has none: null). */
export interface RerankStatus {
  applied: boolean;
  model?: string;
  error?: string;
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  results: SearchHit[];
  total_results: number;
  tokens_used: number;
  formatted_context: string;
  rerank: RerankStatus | null;
}

export interface SearchRequest {
  query: string;
  mode: SearchMode;
  collection_ids?: string[];
  document_type?: string[];
  max_results: number;
  max_tokens: number;
}
