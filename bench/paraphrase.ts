/**
 * Everyday paraphrased questions over a small knowledge base (bench/paraphrase-data.ts): the case where keyword
 * search is weak and the embedding model decides. Together with bench/scifact.ts (where BM25 is strong) it is
 * how hybrid's keyword weight was chosen: hybrid must not be worse than the better leg on either.
 *
 *   npx tsx bench/paraphrase.ts [--weights 0.5,0.75,0.9]
 */
import { parseArgs } from 'node:util';
import { OPERATOR } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';
import { openCliContext } from '../src/operations/local-context.js';
import { PARAPHRASE_DOCS, PARAPHRASE_QUESTIONS } from './paraphrase-data.js';
import { searchFor, searchRuns } from './runs.js';

const { values } = parseArgs({ options: { weights: { type: 'string' } } });

const config = loadConfig({
  ...process.env,
  DATA_DIR: 'memory://',
  JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret',
  LOG_LEVEL: 'silent',
});
const cli = await openCliContext(config, 'bench');
try {
  const { ctx, services } = cli;
  await services.users.register({
    username: 'bench',
    email: 'bench@example.com',
    password: 'bench-password',
  });
  const principal = await services.users.actAs({ principal: OPERATOR, login: 'bench' });
  const keyOf = new Map<string, string>();
  for (const doc of PARAPHRASE_DOCS) {
    const { document } = await services.documents.store({
      principal,
      title: doc.title,
      content: doc.content,
      documentType: 'markdown',
      metadata: {},
    });
    keyOf.set(document.document_id, doc.key);
  }
  const runs = searchRuns(values.weights);
  console.log(
    `model=${ctx.embedder.model} documents=${PARAPHRASE_DOCS.length} questions=${PARAPHRASE_QUESTIONS.length}`,
  );
  console.log('mode         MRR@10  hit@1  hit@3');
  for (const run of runs) {
    const search = searchFor(ctx, services.search, run);
    let mrr = 0;
    let hit1 = 0;
    let hit3 = 0;
    for (const { question, key } of PARAPHRASE_QUESTIONS) {
      const ranked = await search.rankChunks(
        { principal, query: question, mode: run.mode, maxResults: 10, maxTokens: 20_000 },
        10,
      );
      const keys = [...new Set(ranked.map((r) => keyOf.get(r.documentId)))];
      const position = keys.indexOf(key);
      if (position >= 0) mrr += 1 / (position + 1);
      if (position === 0) hit1 += 1;
      if (position >= 0 && position < 3) hit3 += 1;
    }
    const n = PARAPHRASE_QUESTIONS.length;
    console.log(
      `${run.label.padEnd(12)} ${(mrr / n).toFixed(3)}   ${(hit1 / n).toFixed(2)}   ${(hit3 / n).toFixed(2)}`,
    );
  }
} finally {
  await cli.close();
}
