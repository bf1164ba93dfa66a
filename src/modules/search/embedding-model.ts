import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import type { EmbeddingProvider } from '../../embeddings/provider.js';
import { modelRepository } from './model.repository.js';

export class ModelMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelMismatchError';
  }
}

/**
 * Checks at start-up that the configured embedding model is the one the stored vectors came from (vectors of
 * different models are not comparable), records it on first use, and makes sure its HNSW index exists.
 */
export async function ensureEmbeddingModel(db: Database, provider: EmbeddingProvider): Promise<void> {
  if (provider.dimensions === 0) await provider.warmup?.();
  // Instances starting together must not race to record the model or build the same index.
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(741852964)`);
    await check(tx, provider);
  });
}

async function check(db: Executor, provider: EmbeddingProvider): Promise<void> {
  const pending = await modelRepository.reindexState(db);
  if (pending) {
    throw new ModelMismatchError(
      `A re-index to ${pending.model} (${pending.dimensions} dimensions) is unfinished ` +
        `(${pending.done}/${pending.total} documents). Run \`ainstruct reindex\` with that model configured to finish it.`,
    );
  }
  const current = { model: provider.model, dimensions: provider.dimensions };
  const recorded = await modelRepository.recorded(db);
  if (!recorded) {
    await modelRepository.record(db, current);
  } else if (recorded.model !== current.model || recorded.dimensions !== current.dimensions) {
    if ((await modelRepository.chunkCount(db)) > 0) {
      throw new ModelMismatchError(
        `The stored vectors come from ${recorded.model} (${recorded.dimensions} dimensions) but this server is ` +
          `configured for ${current.model} (${current.dimensions} dimensions). Either configure ${recorded.model} ` +
          `again, or run \`ainstruct reindex\` with the new model configured to re-embed every document (resumable).`,
      );
    }
    await modelRepository.record(db, current);
  }
  await modelRepository.dropVectorIndexes(db, current.dimensions);
  await modelRepository.ensureVectorIndex(db, current.dimensions);
}
