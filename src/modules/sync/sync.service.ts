import { isDeepStrictEqual } from 'node:util';
import {
  assertCanSyncCollection,
  assertTokenCollectionNamed,
  requireUserCredential,
} from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { AppError, conflict, unprocessable } from '../../errors.js';
import { chooseTitle } from '../../ingest/document-title.js';
import type { DocumentType } from '../../ingest/document-types.js';
import { frontMatterOf } from '../../ingest/front-matter.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import type { CollectionsService } from '../collections/collections.service.js';
import { sha256Hex as sha256 } from '../documents/content-hash.js';
import { mergeMetadata } from '../documents/document-metadata.js';
import { documentsRepository } from '../documents/documents.repository.js';
import type { DocumentsService } from '../documents/documents.service.js';
import { syncRepository } from './sync.repository.js';
import type { ManifestEntry, PutOutcome } from './sync.schemas.js';

/** Thrown inside a store's transaction when another sync stored the same path first; the put then updates it. */
const PATH_RACED = 'SOURCE_PATH_RACED';
const MAX_ATTEMPTS = 3;

export interface PutInput {
  principal: Principal;
  collectionId: string;
  sourcePath: string;
  title?: string | undefined;
  fallbackTitle?: string | undefined;
  content: string;
  documentType: DocumentType;
  metadata: Record<string, unknown>;
}

/**
 * Folder sync: documents keyed by the path they came from (metadata `source_path`), so a folder can be
 * mirrored into a collection again and again. One document per path is this service's guarantee, not the
 * client's: a new path is stored in a transaction holding the collection's advisory lock (the one every
 * document write of the collection takes), which looks again for the path before committing, so two syncs of
 * one folder at once cannot both store it; the loser updates the winner's document instead.
 */
export function createSyncService(
  ctx: Pick<AppContext, 'db'>,
  deps: { documents: DocumentsService; collections: CollectionsService },
) {
  const { db } = ctx;
  const { documents, collections } = deps;

  async function writable(principal: Principal, collectionId: string) {
    return assertCanSyncCollection(principal, await collectionsRepository.findById(db, collectionId));
  }

  /** The title a store of this file would get, so an update re-derives it the same way. */
  function titleOf(input: PutInput): string {
    const title = chooseTitle({
      title: input.title,
      content: input.content,
      documentType: input.documentType,
      frontMatter: frontMatterOf(input.content, input.documentType),
      fallback: input.fallbackTitle,
    });
    if (title === undefined) {
      throw unprocessable('TITLE_REQUIRED', 'Give a title or fallback_title, or a heading in the content');
    }
    return title;
  }

  async function storeNew(input: PutInput, metadata: Record<string, unknown>) {
    const { document, duplicate } = await documents.store(
      {
        principal: input.principal,
        collectionId: input.collectionId,
        title: input.title,
        fallbackTitle: input.fallbackTitle,
        content: input.content,
        documentType: input.documentType,
        metadata,
      },
      {
        // Under the collection's lock: a document stored at this path since we looked wins.
        async inTransaction(tx, result) {
          if (result.duplicate) return;
          const taken = await syncRepository.findByPath(
            tx,
            input.collectionId,
            input.sourcePath,
            result.document.document_id,
          );
          if (taken.length > 0) throw conflict(PATH_RACED, 'stored at this path meanwhile');
        },
      },
    );
    if (!duplicate) return { outcome: 'stored' as const, document_id: document.document_id };
    // The content is already a document: this path's (stored by a concurrent sync), or another one's.
    if (document.metadata.source_path === input.sourcePath)
      return { outcome: 'unchanged' as const, document_id: document.document_id };
    const other = document.metadata.source_path;
    throw conflict(
      'DUPLICATE_CONTENT',
      `Same content as document ${document.document_id}${
        typeof other === 'string' ? ` (${other})` : ''
      }; a collection holds each content once, so this file was not stored`,
    );
  }

  /**
   * Whether the document already has the title, type and metadata this file would give it. Only a file written
   * by `ainstruct export` can change them without its content (its export block names them), so only then is
   * the same content worth this look; a plain file's title and metadata follow from its content and path.
   */
  async function describedAlike(id: string, input: PutInput, metadata: Record<string, unknown>) {
    const stored = await documentsRepository.findById(db, id);
    if (!stored) return false;
    const wanted = mergeMetadata(frontMatterOf(input.content, input.documentType), metadata);
    return (
      stored.title === titleOf(input) &&
      stored.documentType === input.documentType &&
      isDeepStrictEqual(stored.metadata, wanted)
    );
  }

  return {
    /** The collection to sync into, by name: created if missing; a collection access token only its own. */
    async begin(input: { principal: Principal; name: string; create?: boolean }) {
      const { principal } = input;
      if (principal.collection) {
        const own = await writable(principal, principal.collection.id);
        const named = assertTokenCollectionNamed(principal, own, input.name);
        return { collection_id: named.id, name: named.name, created: false };
      }
      if (input.create === false) {
        requireUserCredential(principal);
        const found = await collectionsRepository.findByName(db, principal.userId, input.name);
        const collection = assertCanSyncCollection(principal, found);
        return { collection_id: collection.id, name: collection.name, created: false };
      }
      const ensured = await collections.ensure({ principal, name: input.name });
      const collection = await writable(principal, ensured.collection_id);
      return { collection_id: collection.id, name: collection.name, created: ensured.created };
    },

    /** One page of the collection's path-keyed documents: id, path and content hash, in id order. */
    async manifest(input: {
      principal: Principal;
      collectionId: string;
      after?: string | undefined;
      limit: number;
    }): Promise<{ entries: ManifestEntry[]; next: string | null }> {
      const collection = await writable(input.principal, input.collectionId);
      const rows = await syncRepository.manifestPage(db, collection.id, input.after, input.limit);
      const last = rows.at(-1);
      return {
        entries: rows.map((row) => ({
          document_id: row.id,
          source_path: row.sourcePath,
          content_hash: row.contentHash,
        })),
        next: last && rows.length === input.limit ? last.id : null,
      };
    },

    /**
     * Finds the path's document or creates it. The same content is a no-op (no embedding, no write); other
     * content updates the document in place (same id; the documents service re-embeds only changed chunks).
     */
    async put(input: PutInput): Promise<{ outcome: PutOutcome; document_id: string }> {
      await writable(input.principal, input.collectionId);
      const metadata = { ...input.metadata, source_path: input.sourcePath };
      const contentHash = sha256(input.content);
      for (let attempt = 1; ; attempt++) {
        try {
          const [current] = await syncRepository.findByPath(db, input.collectionId, input.sourcePath);
          if (!current) return await storeNew(input, metadata);
          if (current.contentHash === contentHash && (await describedAlike(current.id, input, metadata)))
            return { outcome: 'unchanged', document_id: current.id };
          await documents.update({
            principal: input.principal,
            documentId: current.id,
            title: titleOf(input),
            content: input.content,
            documentType: input.documentType,
            metadata,
          });
          return { outcome: 'updated', document_id: current.id };
        } catch (error) {
          // Lost a race for the path (stored, or deleted, by a concurrent writer): look again.
          const raced =
            error instanceof AppError && (error.code === PATH_RACED || error.code === 'DOCUMENT_CHANGED');
          if (!raced || attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    },

    /** Deletes a synced document (one with a source_path) of the collection; false if there is none such. */
    async remove(input: { principal: Principal; collectionId: string; documentId: string }) {
      await writable(input.principal, input.collectionId);
      const document = await documentsRepository.findById(db, input.documentId);
      // Gone, elsewhere, or not synced: nothing of this collection's sync to delete (and nothing told about it).
      const synced =
        document?.collectionId === input.collectionId && typeof document.metadata.source_path === 'string';
      if (!document || !synced) return { document_id: input.documentId, deleted: false };
      await documents.delete({ principal: input.principal, documentId: document.id });
      return { document_id: document.id, deleted: true };
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
