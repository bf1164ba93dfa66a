import { z } from 'zod';
import { documentType } from '../documents/documents.schemas.js';

/**
 * One document of an export, one JSON line each: what `ainstruct export --format jsonl` writes and
 * `GET /api/v1/collections/{collection_id}/export` streams.
 */
export const exportLine = z.object({
  id: z.string(),
  title: z.string(),
  document_type: documentType,
  metadata: z.record(z.string(), z.unknown()),
  content: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  /** The relative path the document was imported from (metadata `source_path`, else `path`), or null. */
  path: z.string().nullable(),
});
export type ExportLine = z.infer<typeof exportLine>;

/** Where the next page starts: after this document in (created_at, id) order; created_at at full precision. */
export const exportCursor = z.object({ created_at: z.string().min(1).max(64), id: z.uuid() });
export type ExportCursor = z.infer<typeof exportCursor>;

export const exportParams = z.object({ collection_id: z.string().min(1).max(100) });
