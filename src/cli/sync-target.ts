import type { ManifestEntry, PutBody, PutOutcome } from '../modules/sync/sync.schemas.js';

/** Where a folder is synced to: this installation through operations, or a remote server over REST. */
export interface SyncTarget {
  /** Resolves the collection by name (created if missing, unless not `create`: then undefined). */
  begin(collection: string, options: { create: boolean }): Promise<{ name: string } | undefined>;
  /** Every path-keyed document of the collection, page by page. */
  manifest(): AsyncGenerator<ManifestEntry>;
  put(body: PutBody): Promise<{ outcome: PutOutcome; document_id: string }>;
  remove(documentId: string): Promise<{ deleted: boolean }>;
  /** Whether a failure ends the whole sync rather than one file (the server went away, the token was refused). */
  fatal(error: unknown): boolean;
  close(): Promise<void>;
}
