import type { Config } from '../config.js';
import { embeddingText } from '../modules/documents/documents.service.js';
import { modelRepository, type ReindexState } from '../modules/search/model.repository.js';
import { openCliContext } from './context.js';
import { ProgressBar } from './progress.js';

const BATCH_DOCUMENTS = 16;

/**
 * Re-embeds every chunk with the configured model. Each batch's vectors and the cursor are saved in one
 * transaction, so a killed run resumes where it stopped; the server refuses to start until it has finished.
 */
export async function reindex(config: Config, options: { force: boolean }): Promise<string> {
  const cli = await openCliContext(config);
  const { db, embedder } = cli.ctx;
  try {
    if (embedder.dimensions === 0) await embedder.warmup?.();
    const target = { model: embedder.model, dimensions: embedder.dimensions };
    const recorded = await modelRepository.recorded(db);
    let state = await modelRepository.reindexState(db);
    const sameModel = recorded?.model === target.model && recorded.dimensions === target.dimensions;
    if (!state && sameModel && !options.force) {
      return `Vectors already come from ${target.model}; nothing to do (use --force to re-embed anyway)`;
    }
    if (!state || state.model !== target.model || state.dimensions !== target.dimensions) {
      state = { ...target, after: null, done: 0, total: await modelRepository.documentCount(db) };
      await modelRepository.saveReindexState(db, state);
    }
    // Indexes over the old dimension would reject the new vectors; the new one is built at the end.
    await modelRepository.dropVectorIndexes(db);
    const progress = new ProgressBar('reindex', state.total);
    progress.update(state.done, state.done > 0 ? '(resumed)' : '');
    for (;;) {
      const documentIds = await modelRepository.documentIdsAfter(db, state.after, BATCH_DOCUMENTS);
      if (documentIds.length === 0) break;
      const chunks = await modelRepository.chunksOf(db, documentIds);
      const vectors = await embedder.embed(
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
          chunks.map((c, i) => ({ id: c.id, embedding: `[${Array.from(vectors[i] ?? []).join(',')}]` })),
        );
        await modelRepository.saveReindexState(tx, next);
      });
      state = next;
      progress.update(state.done);
    }
    await db.transaction(async (tx) => {
      await modelRepository.record(tx, target);
      await modelRepository.clearReindexState(tx);
    });
    await modelRepository.ensureVectorIndex(db, target.dimensions);
    progress.update(state.total);
    return `Re-embedded ${state.done} documents with ${target.model} (${target.dimensions} dimensions)`;
  } finally {
    await cli.close();
  }
}
