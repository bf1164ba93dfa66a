import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../src/db/client.js';
import type { ApiClient, ApiResponse } from './client.js';

/** Small REST shortcuts for the document and search tests. Each checks its own status so failures are clear. */

export async function createCollection(api: ApiClient, token: string, name: string): Promise<string> {
  const response = await api.post('/api/v1/collections', { name }, token);
  if (response.status !== 201) throw new Error(`create collection failed: ${JSON.stringify(response.body)}`);
  return response.body.collection_id as string;
}

export async function createCat(
  api: ApiClient,
  token: string,
  collectionId: string,
  permission: 'read' | 'read_write',
): Promise<string> {
  const response = await api.post(
    '/api/v1/auth/cat',
    { label: `cat-${permission}`, collection_id: collectionId, permission },
    token,
  );
  if (response.status !== 201) throw new Error(`create CAT failed: ${JSON.stringify(response.body)}`);
  return response.body.token as string;
}

export async function createPat(api: ApiClient, token: string): Promise<{ id: string; token: string }> {
  const response = await api.post('/api/v1/auth/pat', { label: 'test pat' }, token);
  if (response.status !== 201) throw new Error(`create PAT failed: ${JSON.stringify(response.body)}`);
  return { id: response.body.pat_id as string, token: response.body.token as string };
}

export interface StoreBody {
  title: string;
  content: string;
  document_type?: string;
  metadata?: unknown;
  collection_id?: string;
}

export function store(api: ApiClient, token: string, body: StoreBody): Promise<ApiResponse> {
  return api.post('/api/v1/documents', body, token);
}

/** Stores a document that must be new (201) and returns its id. */
export async function storeNew(api: ApiClient, token: string, body: StoreBody): Promise<string> {
  const response = await store(api, token, body);
  if (response.status !== 201) {
    throw new Error(
      `store "${body.title}" expected 201, got ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body.document_id as string;
}

export function search(api: ApiClient, token: string, body: Record<string, unknown>): Promise<ApiResponse> {
  return api.post('/api/v1/documents/search', body, token);
}

/** The document ids of a successful search, in result order (a document may appear once per chunk). */
export async function searchIds(
  api: ApiClient,
  token: string,
  body: Record<string, unknown>,
): Promise<string[]> {
  const response = await search(api, token, body);
  if (response.status !== 200)
    throw new Error(`search failed ${response.status}: ${JSON.stringify(response.body)}`);
  return (response.body.results as { document_id: string }[]).map((r) => r.document_id);
}

export async function chunkCount(db: Executor, documentId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from chunks where document_id = ${documentId}::uuid`,
  );
  return row?.n ?? 0;
}
