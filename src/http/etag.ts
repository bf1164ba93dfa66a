import { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * Optimistic concurrency for documents over HTTP: `GET` answers an ETag made of the document's `updated_at`
 * and `PATCH` with `If-Match` refuses with 412 when the document changed since. The service's own check
 * (`expected_updated_at`, 409) does the work; this only translates between the two vocabularies.
 */
export const ifMatchHeaders = z.object({
  'if-match': z
    .string()
    .max(200)
    .optional()
    .describe('The ETag from GET: refuse with 412 DOCUMENT_CHANGED if the document changed since'),
});

export const etagOf = (updatedAt: string) => `"${updatedAt}"`;

const preconditionFailed = (message: string) => new AppError(412, 'DOCUMENT_CHANGED', message);

/** The `updated_at` an If-Match header names; `*` (any version) names none. */
export function updatedAtOfEtag(header: string): string | undefined {
  const value = header.trim();
  if (value === '*') return undefined;
  const match = /^(?:W\/)?"([^"]+)"$/.exec(value);
  const stamp = match?.[1];
  if (!stamp || Number.isNaN(Date.parse(stamp))) {
    throw preconditionFailed('If-Match does not name a version of this document; reload it and retry');
  }
  return stamp;
}

/** A 409 DOCUMENT_CHANGED becomes the 412 that HTTP defines for a failed If-Match. */
export function asPreconditionFailed(error: unknown): never {
  if (error instanceof AppError && error.code === 'DOCUMENT_CHANGED') throw preconditionFailed(error.message);
  throw error;
}
