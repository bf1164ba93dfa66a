import type { Config } from '../config.js';
import { embeddingConfig } from '../embeddings/from-config.js';
import { createEmbeddingProvider } from '../embeddings/registry.js';
import { OperationError, openOperationRunner, throughOwner } from '../operations/runner.js';
import { ProgressBar } from './progress.js';

/** `ainstruct reindex`: the re-embedding runs where the database is (see ReindexService). */
export async function reindex(config: Config, options: { force: boolean }): Promise<string> {
  const runner = await openOperationRunner(config, 'reindex');
  try {
    if (runner.owner) {
      // A running server embeds with its own model; re-indexing there to another model cannot work.
      const configured = createEmbeddingProvider(embeddingConfig(config)).model;
      const serving = await runner.run('embedding.model', {});
      if (serving.model !== configured) {
        throw new OperationError(
          409,
          'MODEL_DIFFERS',
          `The running server (pid ${runner.owner.pid}) embeds with ${serving.model}, but this command is ` +
            `configured for ${configured}. To change the model: stop the server, run \`ainstruct reindex\` with ` +
            `the new model configured, then start the server with it.`,
        );
      }
    }
    const progress = new ProgressBar('reindex', 0);
    const result = await runner.run('reindex', { force: options.force }, (event) => {
      progress.setTotal(Number(event.total ?? 0));
      progress.update(Number(event.done ?? 0), event.resumed ? '(resumed)' : '');
    });
    if (!result.reembedded) {
      return `Vectors already come from ${result.model}; nothing to do (use --force to re-embed anyway)`;
    }
    return `Re-embedded ${result.documents} documents with ${result.model} (${result.dimensions} dimensions)${throughOwner(runner)}`;
  } finally {
    await runner.close();
  }
}

/** `ainstruct reindex --vectors`: refills the vector store (Qdrant) from the vectors PostgreSQL holds. */
export async function rebuildVectors(config: Config): Promise<string> {
  const runner = await openOperationRunner(config, 'reindex');
  try {
    const progress = new ProgressBar('vectors', 0);
    const result = await runner.run('vectors.rebuild', {}, (event) => {
      progress.setTotal(Number(event.total ?? 0));
      progress.update(Number(event.done ?? 0));
    });
    if (result.kind === 'pgvector') {
      return `VECTOR_STORE=pgvector searches the ${result.vectors} stored vectors directly; nothing to rebuild`;
    }
    return `Rebuilt ${result.collection ?? 'the vector store'}: ${result.vectors} vectors${throughOwner(runner)}`;
  } finally {
    await runner.close();
  }
}
