/** Shapes of the API's JSON, as declared in src/modules/*\/*.schemas.ts. */

export interface User {
  user_id: string;
  email: string;
  username: string;
  is_active: boolean;
  is_superuser: boolean;
  created_at: string;
  updated_at: string;
}

export interface WebSession {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  user: User;
}

export interface Collection {
  collection_id: string;
  name: string;
  document_count: number;
  cat_count: number;
  created_at: string;
  updated_at: string;
}

export interface CollectionList {
  collections: Collection[];
  total: number;
  limit: number;
  offset: number;
}

export interface DocumentSummary {
  document_id: string;
  title: string;
  collection_id: string;
  collection_name: string;
  content_hash: string;
  document_type: string;
  metadata: Record<string, unknown>;
  chunk_count: number;
  token_count: number;
  created_at: string;
  updated_at: string;
}

export interface DocumentFull extends DocumentSummary {
  content: string;
}

export interface StoredDocument extends DocumentSummary {
  duplicate: boolean;
}

/** A background store (POST /documents answered 202): see src/modules/jobs/jobs.schemas.ts. */
export interface Job {
  job_id: string;
  kind: 'store_document';
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: { done: number; total: number; phase: string };
  result: StoredDocument | null;
  error: { code: string; message: string } | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface DocumentList {
  documents: DocumentSummary[];
  total: number;
  limit: number;
  offset: number;
}

export type DocumentSort = 'created_at' | 'updated_at' | 'title';
export type SortOrder = 'asc' | 'desc';

interface TokenCommon {
  label: string;
  created_at: string;
  expires_at: string | null;
  last_used: string | null;
  is_active: boolean;
}

export interface Pat extends TokenCommon {
  pat_id: string;
  user_id: string;
  scopes: string[];
}

export interface Cat extends TokenCommon {
  cat_id: string;
  collection_id: string;
  collection_name: string;
  permission: 'read' | 'read_write';
}

export interface MonthUsage {
  year_month: string;
  api_requests: number;
  mcp_requests: number;
  total_requests: number;
}

export interface Message {
  message: string;
}
