import { z } from 'zod';
import { content, documentType, metadata, title } from '../documents/documents.schemas.js';

/**
 * The wire shapes of folder sync (`ainstruct sync`): the same for the local operations and for
 * `/api/v1/.../sync/...`, declared once here.
 */

/** A file's path relative to the synced folder, `/`-separated: the key a document is found by. */
export const sourcePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (path) =>
      !path.startsWith('/') &&
      !path.includes('\\') &&
      path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'),
    'must be a relative path with / separators and no empty, . or .. segment',
  )
  .describe('The file path relative to the synced folder (recorded as metadata source_path)');

const collectionName = z.string().trim().min(1).max(255);
const id = z.string().min(1).max(100);

export const syncBeginBody = z.object({
  collection: collectionName.describe(
    'Collection name; created if missing (a collection access token: its own collection only)',
  ),
  create: z.boolean().default(true).describe('false: 404 COLLECTION_NOT_FOUND instead of creating it'),
});
export const syncBeginResponse = z.object({
  collection_id: z.string(),
  name: z.string(),
  created: z.boolean(),
});

export const syncParams = z.object({ collection_id: id });
export const syncDocumentParams = z.object({ collection_id: id, document_id: id });

export const MANIFEST_PAGE_MAX = 1000;
export const manifestQuery = z.object({
  after: z.uuid().optional().describe('The last document_id of the previous page'),
  limit: z.coerce.number().int().min(1).max(MANIFEST_PAGE_MAX).default(500),
});

export const manifestEntry = z.object({
  document_id: z.string(),
  source_path: z.string(),
  /** sha256 of the content, hex: what a client compares its file's hash with to skip unchanged files. */
  content_hash: z.string(),
});
export type ManifestEntry = z.infer<typeof manifestEntry>;
export const manifestResponse = z.object({
  entries: z.array(manifestEntry),
  /** Pass as `after` for the next page; null after the last. */
  next: z.string().nullable(),
});

export const putBody = z.object({
  source_path: sourcePath,
  title: title
    .optional()
    .describe('Default: front matter title:, else the first heading, else fallback_title'),
  fallback_title: title.optional(),
  content,
  document_type: documentType,
  metadata: metadata.default({}).describe('Given metadata; source_path is set from source_path'),
});
export type PutBody = z.input<typeof putBody>;

export const putOutcome = z.enum(['stored', 'updated', 'unchanged']);
export type PutOutcome = z.infer<typeof putOutcome>;
export const putResponse = z.object({ outcome: putOutcome, document_id: z.string() });

export const removeResponse = z.object({ document_id: z.string(), deleted: z.boolean() });
