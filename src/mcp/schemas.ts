import { z } from 'zod';
import { timestamp as clientTimestamp } from '../validation/timestamp.js';

/** Argument and result pieces shared by the tools. Field names are the original MCP server's. */

const id = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

export const documentIdArg = id.describe('Document id (from store, search or list)');
export const collectionIdArg = id.describe('Collection id (from list_collections_tool)');
export const jobIdArg = id.describe('Job id (from store_document_tool)');
export const keyIdArg = id.describe("The token's cat_id (from list_collection_access_tokens_tool)");

/** The one timestamp schema REST uses too (see src/validation/timestamp.ts for what it accepts). */
export const timestampArg = clientTimestamp;

export const limitArg = (fallback: number) =>
  z.number().int().min(1).max(100).default(fallback).describe('Page size');
export const offsetArg = z.number().int().min(0).max(10_000_000).default(0).describe('Items to skip');

/** ISO 8601, UTC (`…Z`); the values say so themselves, so no description is spent on it. */
const timestamp = z.string();

export const documentSummaryFields = {
  document_id: z.string(),
  title: z.string(),
  collection_id: z.string(),
  collection_name: z.string(),
  content_hash: z.string().describe('SHA-256 of the content'),
  document_type: z.string(),
  doc_metadata: z.record(z.string(), z.unknown()),
  chunk_count: z.number(),
  token_count: z.number().describe('Total cl100k tokens of all chunks'),
  created_at: timestamp,
  updated_at: timestamp,
};
export const documentSummary = z.object(documentSummaryFields);

/** What a store answers (store_document_tool, and get_job_tool once a background store is done). */
export const storedDocumentFields = {
  document_id: z.string(),
  title: z.string(),
  collection_id: z.string(),
  collection_name: z.string(),
  document_type: z.string(),
  chunk_count: z.number(),
  token_count: z.number(),
  duplicate: z.boolean().describe('True when identical content was already stored; nothing new was written'),
};

/** The service's view with the original's `doc_metadata` in place of REST's `metadata`. */
export function withDocMetadata<T extends { metadata: Record<string, unknown> }>(
  view: T,
): Omit<T, 'metadata'> & { doc_metadata: T['metadata'] } {
  const { metadata, ...rest } = view;
  return { ...rest, doc_metadata: metadata };
}

export const collectionView = z.object({
  collection_id: z.string(),
  name: z.string(),
  document_count: z.number(),
  cat_count: z.number().describe('Collection access tokens on this collection'),
  created_at: timestamp,
  updated_at: timestamp,
});

export const catView = z.object({
  cat_id: z.string().describe('Pass as key_id to rotate or revoke the token'),
  label: z.string(),
  collection_id: z.string(),
  collection_name: z.string(),
  permission: z.enum(['read', 'read_write']),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
  last_used: timestamp.nullable(),
  is_active: z.boolean().describe('False once expired'),
});
