/**
 * Everyday paraphrased questions over a small knowledge base (bench/paraphrase-data.ts): the case where keyword
 * search is weak and the embedding model decides. Together with bench/scifact.ts (where BM25 is strong) it is
 * how hybrid's keyword weight was chosen: hybrid must not be worse than the better leg on either.
 *
 *   npx tsx bench/paraphrase.ts [--weights 0.5,0.75,0.9]
 */
import { parseArgs } from 'node:util';
import { openBench } from './harness.js';
import { PARAPHRASE_DOCS, PARAPHRASE_QUESTIONS } from './paraphrase-data.js';

const { values } = parseArgs({ options: { weights: { type: 'string' } } });

const bench = await openBench(
  PARAPHRASE_DOCS.map((doc) => ({ key: doc.key, title: doc.title, content: doc.content })),
  values.weights,
  10,
);
try {
  console.log(
    `model=${bench.model} documents=${PARAPHRASE_DOCS.length} questions=${PARAPHRASE_QUESTIONS.length}`,
  );
  console.log('mode         MRR@10  hit@1  hit@3');
  for (const run of bench.runs) {
    let mrr = 0;
    let hit1 = 0;
    let hit3 = 0;
    for (const { question, key } of PARAPHRASE_QUESTIONS) {
      const position = (await run.rank(question)).findIndex((ranked) => ranked.key === key);
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
  await bench.close();
}
