import {
  assertCanWriteCollection,
  assertCanWriteDocument,
  assertCollectionVisible,
  assertDocumentVisible,
  collectionScope,
} from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import type { Executor } from '../../db/client.js';
import { AppError, conflict, notFound, tooLarge, unprocessable } from '../../errors.js';
import { chunkDocument } from '../../ingest/chunker.js';
import { chooseTitle, frontMatterTitle } from '../../ingest/document-title.js';
import type { DocumentType } from '../../ingest/document-types.js';
import { type FrontMatter, frontMatterOf } from '../../ingest/front-matter.js';
import type { Lease } from '../../shared-state/shared-state.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import { DEFAULT_COLLECTION_NAME } from '../collections/collections.service.js';
import { sha256Hex as sha256 } from './content-hash.js';
import { givenMetadata, mergeMetadata } from './document-metadata.js';
import { type DocumentSummaryView, presentDocument, presentSummary } from './documents.presenter.js';
import {
  type DocumentRow,
  type DocumentSort,
  type DocumentWithCollection,
  documentsRepository,
  duplicateContent,
  type NewChunk,
} from './documents.repository.js';

/** The stored title, or the new front matter's `title:` when the stored one was taken from the old. */
function followedTitle(
  title: string,
  before: FrontMatter | undefined,
  after: FrontMatter | undefined,
): string {
  const next = frontMatterTitle(after);
  return next !== undefined && frontMatterTitle(before) === title ? next : title;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long a store may hold the lease on its content before others stop waiting for it and embed themselves:
 * well past the embedding time of the largest document (MAX_DOCUMENT_BYTES) on the bundled model.
 */
const STORE_LEASE_MS = 180_000;
/** How often a store waiting on another's lease looks whether the document has arrived. */
const STORE_POLL_MS = 50;

/** What gets embedded for a chunk: its heading path gives the model the context the text alone may lack. */
export function embeddingText(headingPath: string[], content: string): string {
  return `${headingPath.join(' › ')}\n\n${content}`;
}

export interface StoreInput {
  principal: Principal;
  /** Optional where the content can name itself: see chooseTitle for the order. */
  title?: string | undefined;
  /** Used when neither `title` nor the content gives one (a file name, say). */
  fallbackTitle?: string | undefined;
  content: string;
  documentType: DocumentType;
  /** Overlaid on the content's front matter (see document-metadata.ts). */
  metadata: Record<string, unknown>;
  collectionId?: string | undefined;
}

/** What a store returns: the document (new or the identical one already stored) and which it is. */
export interface StoreResult {
  document: DocumentSummaryView;
  duplicate: boolean;
}

/** Optional seams for a store run as a background job (src/modules/jobs). */
export interface StoreHooks {
  /** Chunks embedded so far of all that need embedding; called as batches finish. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Runs inside the store's transaction, after the document and its chunks are written (or found there by a
   * racing identical store), so work recorded here commits or rolls back with the document. Throwing rolls
   * the store back. Not called when the identical document was found before any transaction was needed.
   */
  inTransaction?: (tx: Executor, result: StoreResult) => Promise<void>;
}

export interface UpdateInput {
  principal: Principal;
  documentId: string;
  title?: string | undefined;
  content?: string | undefined;
  documentType?: DocumentType | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** Optimistic concurrency: refuse the update if the document changed since this time (ISO string). */
  expectedUpdatedAt?: string | undefined;
}

export function createDocumentsService(
  ctx: Pick<AppContext, 'db' | 'config' | 'embedder' | 'shared' | 'vectors' | 'statistics'>,
) {
  const { db, config, embedder, shared, vectors, statistics } = ctx;

  function checkSize(content: string) {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > config.MAX_DOCUMENT_BYTES) {
      throw tooLarge(
        'DOCUMENT_TOO_LARGE',
        `Content is ${bytes} bytes; the limit is ${config.MAX_DOCUMENT_BYTES} bytes (MAX_DOCUMENT_BYTES)`,
      );
    }
  }

  function chunk(title: string, content: string, documentType: DocumentType) {
    return chunkDocument(
      { title, content, documentType },
      { maxTokens: config.CHUNK_MAX_TOKENS, overlapTokens: config.CHUNK_OVERLAP_TOKENS },
    );
  }

  /**
   * Chunks and embeds a text. Vectors already stored for identical chunk text (`reuse`) are kept, so an edit
   * re-embeds only what changed. Runs before any transaction: if embedding fails, nothing has been written.
   */
  async function prepareChunks(
    title: string,
    content: string,
    documentType: DocumentType,
    reuse: (hashes: string[]) => Promise<Map<string, number[]>> = async () => new Map(),
    onProgress?: StoreHooks['onProgress'],
  ): Promise<NewChunk[]> {
    const pieces = chunk(title, content, documentType).map((piece) => {
      const text = embeddingText(piece.headingPath, piece.text);
      return { piece, text, hash: sha256(text) };
    });
    const known = await reuse(pieces.map((p) => p.hash));
    const missing = [...new Set(pieces.filter((p) => !known.has(p.hash)).map((p) => p.text))];
    const vectors = onProgress ? await embedReporting(missing, onProgress) : await embedAll(missing);
    const fresh = new Map(missing.map((text, i) => [sha256(text), vectors[i]]));
    return pieces.map(({ piece, hash }) => {
      const embedding = known.get(hash) ?? fresh.get(hash);
      if (!embedding) throw new Error(`no vector for chunk ${piece.index}`);
      return {
        chunkIndex: piece.index,
        content: piece.text,
        headingPath: piece.headingPath,
        tokenCount: piece.tokenCount,
        textHash: hash,
        embedding,
      };
    });
  }

  const embedAll = async (texts: string[]) => (texts.length > 0 ? embedder.embed(texts, 'document') : []);

  /**
   * The same embedding, cut into at most ~50 calls so progress can be told as they finish. All are handed to
   * the provider at once: it spreads them over its workers (or requests) as it would one call.
   */
  async function embedReporting(texts: string[], onProgress: (done: number, total: number) => void) {
    const step = Math.max(16, Math.ceil(texts.length / 50));
    let done = 0;
    onProgress(0, texts.length);
    const batches: Promise<Float32Array[]>[] = [];
    for (let i = 0; i < texts.length; i += step) {
      const batch = texts.slice(i, i + step);
      batches.push(
        embedder.embed(batch, 'document').then((vectors) => {
          done += batch.length;
          onProgress(done, texts.length);
          return vectors;
        }),
      );
    }
    return (await Promise.all(batches)).flat();
  }

  const totals = (chunks: NewChunk[]) => ({
    chunkCount: chunks.length,
    tokenCount: chunks.reduce((sum, c) => sum + c.tokenCount, 0),
  });

  async function targetCollection(principal: Principal, collectionId: string | undefined) {
    if (collectionId !== undefined) return collectionsRepository.findById(db, collectionId);
    if (principal.collection) return collectionsRepository.findById(db, principal.collection.id);
    const fallback = await collectionsRepository.findByName(db, principal.userId, DEFAULT_COLLECTION_NAME);
    if (!fallback) {
      throw notFound(
        'COLLECTION_NOT_FOUND',
        'You have no "default" collection; pass collection_id to choose one',
      );
    }
    return fallback;
  }

  const collectionGone = () => notFound('COLLECTION_NOT_FOUND', 'Collection not found');

  /**
   * Identical concurrent stores, on this instance or any other sharing the state, pay for one embedding: the
   * first takes a lease on the content, the others wait for its document and answer it as a duplicate. The
   * lease only saves work; one document per content is the database's guarantee (unique index, collection
   * lock), so a lost or expired lease (Redis restarted, a slow holder) costs a second embedding, never a copy.
   * If the holder fails, its lease goes and a waiter takes over.
   */
  async function claimContent(
    collectionId: string,
    contentHash: string,
  ): Promise<{ lease: Lease | undefined } | { existing: DocumentRow }> {
    const key = `store:${collectionId}:${contentHash}`;
    const giveUpAt = Date.now() + STORE_LEASE_MS;
    while (Date.now() < giveUpAt) {
      const lease = await shared.tryLease(key, STORE_LEASE_MS);
      if (lease) return { lease };
      while ((await shared.isLeased(key)) && Date.now() < giveUpAt) await sleep(STORE_POLL_MS);
      const existing = await documentsRepository.findByHash(db, collectionId, contentHash);
      if (existing) return { existing: existing as DocumentRow };
    }
    return { lease: undefined };
  }

  /** The store itself, once this caller holds the content's lease (or gave up waiting for it). */
  async function insertNew(
    input: StoreInput & { title: string },
    collection: { id: string; name: string },
    contentHash: string,
    hooks: StoreHooks,
  ): Promise<StoreResult> {
    const chunks = await prepareChunks(
      input.title,
      input.content,
      input.documentType,
      undefined,
      hooks.onProgress,
    );
    const present = (outcome: { row: DocumentRow; duplicate: boolean }) => ({
      document: presentSummary(outcome.row, collection.name),
      duplicate: outcome.duplicate,
    });
    const outcome = await db
      .transaction(async (tx) => {
        await documentsRepository.lockCollections(tx, [collection.id]);
        // Deleted meanwhile: not found. Held from here on, so the delete waits for this store.
        if (!(await collectionsRepository.lockAgainstDelete(tx, collection.id))) throw collectionGone();
        const raced = await documentsRepository.findByHash(tx, collection.id, contentHash);
        if (raced) {
          const found = { row: raced as DocumentRow, duplicate: true };
          await hooks.inTransaction?.(tx, present(found));
          return found;
        }
        const row = await documentsRepository.insert(tx, {
          collectionId: collection.id,
          title: input.title,
          content: input.content,
          contentHash,
          documentType: input.documentType,
          metadata: input.metadata,
          ...totals(chunks),
        });
        await documentsRepository.insertChunks(tx, row.id, collection.id, chunks);
        await vectors.upsertDocuments(tx, [row.id]);
        const stored = { row, duplicate: false };
        await hooks.inTransaction?.(tx, present(stored));
        return stored;
      })
      .catch(async (error: unknown) => {
        // Another writer inserted the same content between our check and insert.
        if (!(error instanceof AppError && error.code === 'DUPLICATE_CONTENT')) throw error;
        const row = await documentsRepository.findByHash(db, collection.id, contentHash);
        if (!row) throw error;
        return { row: row as DocumentRow, duplicate: true };
      });
    if (!outcome.duplicate) {
      await vectors.afterCommit([outcome.row.id]);
      statistics.noteWrites(chunks.length);
    }
    return present(outcome);
  }

  /** Everything a store checks before doing any work: size, title, metadata, the collection and the right. */
  async function resolveStore(input: StoreInput) {
    const { principal } = input;
    checkSize(input.content);
    const frontMatter = frontMatterOf(input.content, input.documentType);
    const title = chooseTitle({
      title: input.title,
      content: input.content,
      documentType: input.documentType,
      frontMatter,
      fallback: input.fallbackTitle,
    });
    if (title === undefined) {
      throw unprocessable(
        'TITLE_REQUIRED',
        'Give a title, or start the markdown with front matter holding title: or with a heading',
      );
    }
    const metadata = mergeMetadata(frontMatter, input.metadata);
    const collection = assertCanWriteCollection(
      principal,
      await targetCollection(principal, input.collectionId),
    );
    return { title, metadata, collection };
  }

  return {
    /**
     * The checks of `store` alone, without storing: what a store queued for later must pass first. Returns
     * the collection it would go to.
     */
    async checkStore(input: StoreInput) {
      const { collection } = await resolveStore(input);
      return { id: collection.id, name: collection.name };
    },

    /** Stores a document with its chunks and vectors in one transaction; identical content is not stored twice. */
    async store(input: StoreInput, hooks: StoreHooks = {}): Promise<StoreResult> {
      const { title, metadata, collection } = await resolveStore(input);
      const contentHash = sha256(input.content);
      const existing = await documentsRepository.findByHash(db, collection.id, contentHash);
      if (existing) return { document: presentSummary(existing, collection.name), duplicate: true };

      const claim = await claimContent(collection.id, contentHash);
      if ('existing' in claim)
        return { document: presentSummary(claim.existing, collection.name), duplicate: true };
      try {
        return await insertNew({ ...input, title, metadata }, collection, contentHash, hooks);
      } finally {
        await claim.lease?.release();
      }
    },

    async get(input: { principal: Principal; documentId: string }) {
      const document = assertDocumentVisible(
        input.principal,
        await documentsRepository.findById(db, input.documentId),
      );
      return presentDocument(document);
    },

    async list(input: {
      principal: Principal;
      collectionId?: string | undefined;
      documentType?: string | undefined;
      limit: number;
      offset: number;
      sort: DocumentSort;
      order: 'asc' | 'desc';
    }) {
      if (input.collectionId !== undefined) {
        assertCollectionVisible(
          input.principal,
          await collectionsRepository.findById(db, input.collectionId),
        );
      }
      const page = await documentsRepository.list(db, { ...input, scope: collectionScope(input.principal) });
      return {
        documents: page.rows.map((row) => presentSummary(row, row.collectionName)),
        total: page.total,
        limit: input.limit,
        offset: input.offset,
      };
    },

    /**
     * Partial update: omitted fields keep their values; only chunks whose text changed are embedded again.
     * Front matter is read again from the new content: keys the old front matter set give way to the new
     * front matter's (a key taken out of it leaves the metadata), while metadata given through the API,
     * now or before, still wins. A title taken from the old front matter follows its `title:`.
     */
    async update(input: UpdateInput) {
      const current = assertCanWriteDocument(
        input.principal,
        await documentsRepository.findById(db, input.documentId),
      );
      if (input.content !== undefined) checkSize(input.content);
      const content = input.content ?? current.content;
      const documentType = (input.documentType ?? current.documentType) as DocumentType;
      const before = frontMatterOf(current.content, current.documentType as DocumentType);
      const after = frontMatterOf(content, documentType);
      const next = {
        title: input.title ?? followedTitle(current.title, before, after),
        content,
        documentType,
        metadata: mergeMetadata(after, input.metadata ?? givenMetadata(current.metadata, before)),
      };
      const textChanged =
        next.title !== current.title ||
        next.content !== current.content ||
        next.documentType !== current.documentType;
      const contentHash = sha256(next.content);
      if (contentHash !== current.contentHash) {
        const clash = await documentsRepository.findByHash(db, current.collectionId, contentHash);
        if (clash && clash.id !== current.id) throw duplicateContent(clash.id);
      }
      const chunks = textChanged
        ? await prepareChunks(next.title, next.content, next.documentType, (hashes) =>
            documentsRepository.embeddingsByTextHash(db, current.id, hashes),
          )
        : undefined;

      const updated = await db.transaction(async (tx) => {
        await documentsRepository.lockCollections(tx, [current.collectionId]);
        const fresh = await documentsRepository.findById(tx, current.id);
        if (!fresh || fresh.collectionId !== current.collectionId) {
          throw conflict(
            'DOCUMENT_CHANGED',
            'The document was moved or deleted meanwhile; reload it and retry',
          );
        }
        if (
          input.expectedUpdatedAt !== undefined &&
          fresh.updatedAt.toISOString() !== new Date(input.expectedUpdatedAt).toISOString()
        ) {
          throw conflict('DOCUMENT_CHANGED', 'The document was changed by someone else since you loaded it');
        }
        if (contentHash !== fresh.contentHash) {
          // Checked again under the collection's lock: a concurrent update may have taken this content.
          const clash = await documentsRepository.findByHash(tx, current.collectionId, contentHash);
          if (clash && clash.id !== current.id) throw duplicateContent(clash.id);
        }
        if (chunks) {
          await documentsRepository.deleteChunks(tx, current.id, current.collectionId);
          await documentsRepository.insertChunks(tx, current.id, current.collectionId, chunks);
          await vectors.upsertDocuments(tx, [current.id]);
        }
        return documentsRepository.update(tx, current.id, {
          ...next,
          contentHash,
          ...(chunks ? totals(chunks) : {}),
        });
      });
      if (!updated) throw notFound('DOCUMENT_NOT_FOUND', 'Document not found');
      if (chunks) {
        await vectors.afterCommit([current.id]);
        statistics.noteWrites(current.chunkCount + chunks.length);
      }
      return presentDocument({ ...current, ...updated });
    },

    /** Moves a document to another collection the caller may write to; vectors move along, nothing is embedded. */
    async move(input: { principal: Principal; documentId: string; targetCollectionId: string }) {
      const current = assertCanWriteDocument(
        input.principal,
        await documentsRepository.findById(db, input.documentId),
      );
      const target = assertCanWriteCollection(
        input.principal,
        await collectionsRepository.findById(db, input.targetCollectionId),
      );
      if (target.id === current.collectionId)
        return { ...presentDocument(current), previous_collection_id: current.collectionId };
      const moved = await db.transaction(async (tx) => {
        await documentsRepository.lockCollections(tx, [current.collectionId, target.id]);
        if (!(await collectionsRepository.lockAgainstDelete(tx, target.id))) throw collectionGone();
        const fresh = await documentsRepository.findById(tx, current.id);
        if (!fresh) throw notFound('DOCUMENT_NOT_FOUND', 'Document not found');
        const clash = await documentsRepository.findByHash(tx, target.id, fresh.contentHash);
        if (clash) throw duplicateContent(clash.id);
        await documentsRepository.moveChunks(tx, fresh.id, fresh.collectionId, target.id);
        await vectors.upsertDocuments(tx, [fresh.id]);
        return documentsRepository.update(tx, fresh.id, { collectionId: target.id });
      });
      if (!moved) throw notFound('DOCUMENT_NOT_FOUND', 'Document not found');
      await vectors.afterCommit([current.id]);
      statistics.noteWrites(current.chunkCount);
      const document: DocumentWithCollection = {
        ...current,
        ...moved,
        collectionName: target.name,
        ownerId: target.userId,
      };
      return { ...presentDocument(document), previous_collection_id: current.collectionId };
    },

    async delete(input: { principal: Principal; documentId: string }) {
      const current = assertCanWriteDocument(
        input.principal,
        await documentsRepository.findById(db, input.documentId),
      );
      await db.transaction(async (tx) => {
        await documentsRepository.lockCollections(tx, [current.collectionId]);
        const fresh = await documentsRepository.findById(tx, current.id);
        if (!fresh) return;
        await documentsRepository.deleteChunks(tx, fresh.id, fresh.collectionId);
        await documentsRepository.delete(tx, fresh.id);
        await vectors.deleteDocuments(tx, [fresh.id]);
      });
      await vectors.afterCommit([current.id]);
      statistics.noteWrites(current.chunkCount);
      return { message: `Document "${current.title}" deleted`, document_id: current.id };
    },
  };
}

export type DocumentsService = ReturnType<typeof createDocumentsService>;
