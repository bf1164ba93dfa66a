import { forbidden, notFound } from '../errors.js';
import type { Principal } from './principal.js';

/**
 * The access policy: the one place that decides what a principal may do. REST routes and MCP tools call these
 * functions and nothing else decides authorization. A resource the caller may not see is reported as not found
 * (404), so its existence does not leak; 403 is only for "you are who you are, but this credential cannot do
 * this kind of thing" (a CAT on a user route, a read-only token writing, a non-admin on admin routes).
 */

export interface CollectionRef {
  id: string;
  userId: string;
}

/** What a principal can see, as a filter repositories apply in SQL. */
export type CollectionScope =
  | { kind: 'owner'; userId: string }
  | { kind: 'collection'; collectionId: string };

export function collectionScope(principal: Principal): CollectionScope {
  return principal.collection
    ? { kind: 'collection', collectionId: principal.collection.id }
    : { kind: 'owner', userId: principal.userId };
}

/** User-level routes (collections, tokens, profile, admin) need a user credential, not a collection token. */
export function requireUserCredential(principal: Principal): void {
  // A CAT, or an OAuth grant of one collection: the same scope, the same rules.
  if (principal.collection) {
    throw forbidden(
      'INSUFFICIENT_SCOPE',
      'A collection access token can only be used on the document routes of its collection; use a JWT or PAT',
    );
  }
}

export function requireWriteScope(principal: Principal): void {
  if (!principal.scopes.includes('write')) {
    throw forbidden('INSUFFICIENT_SCOPE', 'This credential is read-only; a read_write token is required');
  }
}

export function requireSuperuser(principal: Principal): void {
  requireUserCredential(principal);
  if (!principal.isSuperuser) throw forbidden('FORBIDDEN', 'Admin access required');
}

/** Migrations and re-indexing: only the installation's local operator (the command line). */
export function requireOperator(principal: Principal): void {
  if (principal.kind !== 'operator') {
    throw forbidden('FORBIDDEN', 'Only the local operator (the ainstruct command line) may do this');
  }
}

export function canSeeCollection(principal: Principal, collection: CollectionRef): boolean {
  if (principal.collection) return principal.collection.id === collection.id;
  return collection.userId === principal.userId;
}

/** Narrows a maybe-missing collection to one the caller may see, else COLLECTION_NOT_FOUND. */
export function assertCollectionVisible<T extends CollectionRef>(
  principal: Principal,
  collection: T | undefined,
): T {
  if (!collection || !canSeeCollection(principal, collection)) {
    throw notFound('COLLECTION_NOT_FOUND', 'Collection not found');
  }
  return collection;
}

/** Adding, changing or removing documents in a collection. */
export function assertCanWriteCollection<T extends CollectionRef>(
  principal: Principal,
  collection: T | undefined,
): T {
  const visible = assertCollectionVisible(principal, collection);
  requireWriteScope(principal);
  return visible;
}

/**
 * Exporting a collection's documents (all of them, with their metadata): a read, so any credential that sees the
 * collection may, a collection access token only its own collection, of either permission.
 */
export function assertCanExportCollection<T extends CollectionRef>(
  principal: Principal,
  collection: T | undefined,
): T {
  return assertCollectionVisible(principal, collection);
}

/**
 * Syncing a folder into a collection (reading its manifest, storing, updating and deleting documents by path):
 * a write, so a read-only credential is refused up front, before a manifest is read for nothing.
 */
export function assertCanSyncCollection<T extends CollectionRef>(
  principal: Principal,
  collection: T | undefined,
): T {
  return assertCanWriteCollection(principal, collection);
}

/**
 * A collection access token names no other collection: a sync by name with one must name its own (ignoring
 * case, as collection names are compared), else it is refused rather than quietly syncing into its own.
 */
export function assertTokenCollectionNamed<T extends CollectionRef & { name: string }>(
  principal: Principal,
  collection: T,
  name: string,
): T {
  if (principal.collection && collection.name.toLowerCase() !== name.trim().toLowerCase()) {
    throw forbidden(
      'INSUFFICIENT_SCOPE',
      `This collection access token reaches only the collection "${collection.name}"; it cannot sync into "${name}"`,
    );
  }
  return collection;
}

/** Renaming or deleting a collection and managing its access tokens: its owner, with a user credential. */
export function assertCanManageCollection<T extends CollectionRef>(
  principal: Principal,
  collection: T | undefined,
): T {
  requireUserCredential(principal);
  const visible = assertCollectionVisible(principal, collection);
  requireWriteScope(principal);
  return visible;
}

/** Creating collections and tokens, changing one's own account. */
export function assertCanActAsUser(principal: Principal, options: { write: boolean }): void {
  requireUserCredential(principal);
  if (options.write) requireWriteScope(principal);
}

export interface DocumentRef {
  collectionId: string;
  /** The owner of the document's collection. */
  ownerId: string;
}

/** Narrows a maybe-missing document to one the caller may read, else DOCUMENT_NOT_FOUND. */
export function assertDocumentVisible<T extends DocumentRef>(
  principal: Principal,
  document: T | undefined,
): T {
  if (!document || !canSeeCollection(principal, { id: document.collectionId, userId: document.ownerId })) {
    throw notFound('DOCUMENT_NOT_FOUND', 'Document not found');
  }
  return document;
}

/** Changing or deleting a document: it must be visible and the credential must be allowed to write. */
export function assertCanWriteDocument<T extends DocumentRef>(
  principal: Principal,
  document: T | undefined,
): T {
  const visible = assertDocumentVisible(principal, document);
  requireWriteScope(principal);
  return visible;
}

/**
 * POST /v1/embeddings spends the server's compute on arbitrary text and reaches no collection, so by default it
 * takes a full user credential (a JWT or a read_write PAT). `allowReadTokens` (EMBEDDINGS_ALLOW_READ_TOKENS)
 * opens it to read-only PATs and to collection access tokens of either permission.
 */
export function assertCanUseEmbeddings(principal: Principal, options: { allowReadTokens: boolean }): void {
  if (options.allowReadTokens) return;
  if (principal.collection) {
    throw forbidden(
      'INSUFFICIENT_SCOPE',
      'A collection access token cannot use /v1/embeddings on this server; use a JWT or a read_write PAT',
    );
  }
  if (!principal.scopes.includes('write')) {
    throw forbidden(
      'INSUFFICIENT_SCOPE',
      'A read-only token cannot use /v1/embeddings on this server; use a JWT or a read_write PAT',
    );
  }
}

export interface JobRef {
  /** Who queued the job. */
  userId: string;
  /** The collection it works on; null once that collection was deleted. */
  collectionId: string | null;
}

/**
 * A background job is its user's: every credential of theirs sees it, a collection-scoped one only the jobs of
 * its collection. Anyone else: JOB_NOT_FOUND.
 */
export function assertJobVisible<T extends JobRef>(principal: Principal, job: T | undefined): T {
  const visible =
    job !== undefined &&
    job.userId === principal.userId &&
    (!principal.collection || principal.collection.id === job.collectionId);
  if (!visible) throw notFound('JOB_NOT_FOUND', 'Job not found');
  return job;
}
