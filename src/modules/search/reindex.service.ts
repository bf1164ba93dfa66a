import { requireOperator } from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { vectorLiteral } from '../../vectors/literal.js';
import type { RebuildProgress, RebuildResult } from '../../vectors/vector-store.js';
import { embeddingText } from '../documents/documents.service.js';
import { modelRepository, type ReindexState } from './model.repository.js';

const BATCH_DOCUMENTS = 16;

export interface ReindexProgress {
  done: number;
  total: number;
  resumed: boolean;
}

export interface ReindexResult {
  /** False when the vectors already came from the configured model and nothing was forced. */
  reembedded: boolean;
  documents: number;
  model: string;
  dimensions: number;
}

/**
 * Re-embeds every chunk with the configured model. Each batch's vectors and the cursor are saved in one
 * transaction, so a killed run resumes where it stopped; the server refuses to start until it has finished.
 */
export function createReindexService(ctx: Pick<AppContext, 'db' | 'embedder' | 'vectors' | 'statistics'>) {
  const { db, embedder, vectors, statistics } = ctx;
  return {
    async reindex(input: {
      principal: Principal;
      force: boolean;
      onProgress?: (progress: ReindexProgress) => void;
    }): Promise<ReindexResult> {
      requireOperator(input.principal);
      const report = input.onProgress ?? (() => {});
      if (embedder.dimensions === 0) await embedder.warmup?.();
      const target = { model: embedder.model, dimensions: embedder.dimensions };
      const recorded = await modelRepository.recorded(db);
      let state = await modelRepository.reindexState(db);
      const sameModel = recorded?.model === target.model && recorded.dimensions === target.dimensions;
      if (!state && sameModel && !input.force) return { reembedded: false, documents: 0, ...target };
      if (!state || state.model !== target.model || state.dimensions !== target.dimensions) {
        state = { ...target, after: null, done: 0, total: await modelRepository.documentCount(db) };
        await modelRepository.saveReindexState(db, state);
      }
      // Indexes over the old dimension would reject the new vectors; the new one is built at the end.
      await modelRepository.dropVectorIndexes(db);
      const resumed = state.done > 0;
      report({ done: state.done, total: state.total, resumed });
      for (;;) {
        const documentIds = await modelRepository.documentIdsAfter(db, state.after, BATCH_DOCUMENTS);
        if (documentIds.length === 0) break;
        const chunks = await modelRepository.chunksOf(db, documentIds);
        const embedded = await embedder.embed(
          chunks.map((c) => embeddingText(c.heading_path, c.content)),
          'document',
        );
        const next: ReindexState = {
          ...state,
          after: documentIds[documentIds.length - 1] ?? state.after,
          done: state.done + documentIds.length,
          total: Math.max(state.total, state.done + documentIds.length),
        };
        await db.transaction(async (tx) => {
          await modelRepository.setEmbeddings(
            tx,
            chunks.map((c, i) => ({ id: c.id, embedding: vectorLiteral(embedded[i] ?? []) })),
          );
          await modelRepository.saveReindexState(tx, next);
          await vectors.upsertDocuments(tx, documentIds);
        });
        await vectors.afterCommit(documentIds);
        statistics.noteWrites(chunks.length);
        state = next;
        report({ done: state.done, total: state.total, resumed });
      }
      await db.transaction(async (tx) => {
        await modelRepository.record(tx, target);
        await modelRepository.clearReindexState(tx);
      });
      await modelRepository.ensureVectorIndex(db, target.dimensions);
      report({ done: state.total, total: state.total, resumed });
      return { reembedded: true, documents: state.done, ...target };
    },

    /**
     * Rebuilds the vector store from the vectors in PostgreSQL (`ainstruct reindex --vectors`): with Qdrant, after
     * it lost data or was replaced; with pgvector there is nothing to copy.
     */
    async rebuildVectors(input: {
      principal: Principal;
      onProgress?: (progress: RebuildProgress) => void;
    }): Promise<RebuildResult> {
      requireOperator(input.principal);
      if (embedder.dimensions === 0) await embedder.warmup?.();
      return vectors.rebuild(input.onProgress);
    },
  };
}

export type ReindexService = ReturnType<typeof createReindexService>;
