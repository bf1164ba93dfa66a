import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Executor } from '../db/client.js';
import { VectorStoreUnavailableError } from '../errors.js';
import { modelRepository } from '../modules/search/model.repository.js';
import type { ChunkHit, SearchFilter } from '../modules/search/search-filter.js';
import { chunkVectorsRepository } from './chunk-vectors.repository.js';
import { vectorLiteral } from './literal.js';
import {
  collectionTarget,
  documentTarget,
  type OutboxEntry,
  outboxRepository,
  SWEEP_TARGET,
} from './outbox.repository.js';
import { OutboxWorker } from './outbox-worker.js';
import { QdrantCollection, qdrantCollectionName } from './qdrant-collection.js';
import type {
  RebuildProgress,
  RebuildResult,
  VectorQuery,
  VectorStore,
  VectorStoreStatus,
} from './vector-store.js';

/** Chunks read from PostgreSQL and written to Qdrant per step of a rebuild. */
const REBUILD_PAGE = 512;
/** After a failure, searches skip Qdrant for this long instead of each waiting for a timeout. */
const COOL_DOWN_MS = 3000;
/** Pages of nearest points read at most, when PostgreSQL's check drops candidates (stale or filtered out). */
const MAX_PAGES = 4;

const hasDocumentFilter = (filter: SearchFilter) =>
  Boolean(
    filter.documentTypes?.length ||
      (filter.metadata && Object.keys(filter.metadata).length > 0) ||
      filter.createdAfter ||
      filter.createdBefore ||
      filter.updatedAfter ||
      filter.updatedBefore,
  );

/**
 * Vectors searched in Qdrant, with PostgreSQL the source of truth (see vector-store.ts). Writes record outbox
 * entries in their own transaction; `afterCommit` applies them at once when Qdrant answers, the worker later
 * otherwise. Every candidate Qdrant returns is checked against PostgreSQL with the full filter and scored by its
 * stored vector, so a lagging or failed Qdrant can hide a chunk for a while but never show a deleted or foreign
 * one, and scores are the same cosine pgvector gives.
 */
export class QdrantStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  private readonly collection: QdrantCollection;
  private readonly worker: OutboxWorker;
  private readonly workerId = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private coolingUntil = 0;
  private lastError: string | undefined;

  constructor(
    private readonly deps: {
      db: Database;
      url: string;
      apiKey?: string | undefined;
      timeoutMs: number;
      collectionPrefix: string;
      model: () => { model: string; dimensions: number };
      log: FastifyBaseLogger;
      /** How often the worker looks for entries when idle. */
      pollMs?: number;
    },
  ) {
    this.collection = new QdrantCollection({
      url: deps.url,
      apiKey: deps.apiKey,
      timeoutMs: deps.timeoutMs,
      name: () => this.collectionName(),
      dimensions: () => deps.model().dimensions,
      onRecreated: () => this.requestRebuild(),
    });
    this.worker = new OutboxWorker({
      db: deps.db,
      workerId: this.workerId,
      apply: (entries) => this.apply(entries),
      log: deps.log,
      pollMs: deps.pollMs ?? 1000,
    });
  }

  collectionName(): string {
    const { model, dimensions } = this.deps.model();
    return qdrantCollectionName(this.deps.collectionPrefix, model, dimensions);
  }

  async upsertDocuments(tx: Executor, documentIds: string[]): Promise<void> {
    await outboxRepository.enqueue(tx, documentIds.map(documentTarget));
  }

  async deleteDocuments(tx: Executor, documentIds: string[]): Promise<void> {
    await outboxRepository.enqueue(tx, documentIds.map(documentTarget));
  }

  async deleteCollections(tx: Executor, collectionIds: string[]): Promise<void> {
    await outboxRepository.enqueue(tx, collectionIds.map(collectionTarget));
  }

  async afterCommit(documentIds: string[]): Promise<void> {
    if (documentIds.length === 0 || this.cooling()) return;
    try {
      await this.worker.runTargets(documentIds.map(documentTarget));
    } catch (error) {
      this.deps.log.warn({ err: error }, 'applying a write to Qdrant failed; the outbox keeps it');
    }
  }

  async search(query: VectorQuery): Promise<ChunkHit[]> {
    if (this.cooling()) {
      throw new VectorStoreUnavailableError(this.lastError ?? 'Qdrant is unavailable');
    }
    const vector = Array.from(query.vector);
    const literal = vectorLiteral(vector);
    const filter = { must: [{ key: 'collection_id', match: { any: query.filter.collectionIds } }] };
    // Qdrant knows only the collection; the rest of the filter is checked in PostgreSQL, so read deeper then.
    const pageSize = hasDocumentFilter(query.filter) ? query.limit * 4 : query.limit + 20;
    const found = new Map<string, number>();
    for (let page = 0; page < MAX_PAGES; page++) {
      const ids = await this.guard(() =>
        this.collection.nearest(vector, filter, { limit: pageSize, offset: page * pageSize }),
      );
      const hits = await chunkVectorsRepository.scoreWithin(this.deps.db, literal, ids, query.filter);
      for (const hit of hits) found.set(hit.id, hit.score);
      if (found.size >= query.limit || ids.length < pageSize) break;
    }
    return [...found]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, query.limit);
  }

  similarities(vector: ArrayLike<number>, chunkIds: string[]): Promise<ChunkHit[]> {
    return chunkVectorsRepository.similarities(this.deps.db, vectorLiteral(vector), chunkIds);
  }

  count(): Promise<number> {
    return this.guard(() => this.collection.count());
  }

  /**
   * Upserts every chunk from PostgreSQL, then deletes points whose chunk is gone. Entries written before it
   * started are covered by it and dropped; later ones still apply. Idempotent, so a failed rebuild is simply run
   * again (the sweep entry stays in the outbox until one succeeds).
   */
  async rebuild(onProgress?: (progress: RebuildProgress) => void): Promise<RebuildResult> {
    const { db } = this.deps;
    const covered = await outboxRepository.committedIds(db);
    const total = await modelRepository.chunkCount(db);
    let done = 0;
    let after: string | null = null;
    onProgress?.({ done, total });
    for (;;) {
      const page = await chunkVectorsRepository.pageAfter(db, after, REBUILD_PAGE);
      if (page.length === 0) break;
      await this.guard(() => this.collection.upsert(page));
      after = page[page.length - 1]?.id ?? after;
      done += page.length;
      onProgress?.({ done, total: Math.max(total, done) });
    }
    let offset: string | undefined;
    do {
      const { ids, next } = await this.guard(() => this.collection.idsPage(offset, 1000));
      const live = await chunkVectorsRepository.existing(db, ids);
      await this.guard(() => this.collection.deletePoints(ids.filter((id) => !live.has(id))));
      offset = next;
    } while (offset !== undefined);
    for (let start = 0; start < covered.length; start += 10_000) {
      await outboxRepository.complete(db, covered.slice(start, start + 10_000));
    }
    await modelRepository.markQdrantSynced(db, this.collectionName());
    return { kind: this.kind, vectors: await this.count(), collection: this.collectionName() };
  }

  async status(): Promise<VectorStoreStatus> {
    const outbox = await outboxRepository.stats(this.deps.db);
    try {
      await this.guard(() => this.collection.ping());
      return { kind: this.kind, available: true, outbox };
    } catch (error) {
      return { kind: this.kind, available: false, error: (error as Error).message, outbox };
    }
  }

  /**
   * Starts the worker, first asking for a rebuild unless PostgreSQL records that this Qdrant collection holds
   * everything (first start with Qdrant, a new model, or a return from pgvector, whose writes Qdrant missed).
   */
  start(): void {
    void (async () => {
      const synced = await modelRepository.qdrantSynced(this.deps.db);
      if (synced !== this.collectionName()) await this.requestRebuild();
    })()
      .catch((error: unknown) =>
        this.deps.log.warn({ err: error }, 'checking the Qdrant rebuild marker failed'),
      )
      .finally(() => this.worker.start());
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Applies claimed entries: documents re-read from PostgreSQL, collections dropped, a sweep rebuilds. */
  private async apply(entries: OutboxEntry[]): Promise<void> {
    const targets = new Set(entries.map((entry) => entry.target));
    if (targets.has(SWEEP_TARGET)) {
      this.deps.log.info({ collection: this.collectionName() }, 'rebuilding Qdrant from PostgreSQL');
      const result = await this.rebuild();
      this.deps.log.info(result, 'Qdrant rebuilt');
      return;
    }
    const documentIds = [...targets].filter((t) => t.startsWith('d:')).map((t) => t.slice(2));
    const collectionIds = [...targets].filter((t) => t.startsWith('c:')).map((t) => t.slice(2));
    if (collectionIds.length > 0) {
      await this.guard(() =>
        this.collection.deleteWhere({ must: [{ key: 'collection_id', match: { any: collectionIds } }] }),
      );
    }
    if (documentIds.length > 0) {
      const chunks = await chunkVectorsRepository.ofDocuments(this.deps.db, documentIds);
      await this.guard(() => this.collection.upsert(chunks));
      // Whatever else Qdrant holds for these documents is from an earlier version (or a deleted document).
      await this.guard(() =>
        this.collection.deleteWhere({
          must: [{ key: 'document_id', match: { any: documentIds } }],
          ...(chunks.length > 0 ? { must_not: [{ has_id: chunks.map((chunk) => chunk.id) }] } : {}),
        }),
      );
    }
  }

  private async requestRebuild(): Promise<void> {
    await modelRepository.clearQdrantSynced(this.deps.db);
    if (!(await outboxRepository.hasPending(this.deps.db, SWEEP_TARGET))) {
      await outboxRepository.enqueue(this.deps.db, [SWEEP_TARGET]);
    }
  }

  private cooling(): boolean {
    return Date.now() < this.coolingUntil;
  }

  /** Runs a Qdrant call, remembering a failure so searches skip Qdrant for a moment rather than time out. */
  private async guard<T>(what: () => Promise<T>): Promise<T> {
    try {
      const result = await what();
      this.coolingUntil = 0;
      this.lastError = undefined;
      return result;
    } catch (error) {
      if (error instanceof VectorStoreUnavailableError) {
        this.coolingUntil = Date.now() + COOL_DOWN_MS;
        this.lastError = error.message;
      }
      throw error;
    }
  }
}
