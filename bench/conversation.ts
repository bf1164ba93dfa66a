/**
 * Conversational memory (bench/sets/conversation): six chat sessions between two people, stored one turn per
 * document as an agent's memory would hold them, and questions about who said or did what, and when. Scores
 * the evidence turns: Recall@5/@10, MRR@10, nDCG@10 per mode.
 *
 *   npx tsx bench/conversation.ts [--split tuning|heldout|all] [--weights 0.5,0.8]
 *
 * The split is fixed by bench/split.ts (seeded; stratum: answered or not).
 */
import { parseArgs } from 'node:util';
import { conversation } from './corpora.js';
import { openBench } from './harness.js';
import { figures, printTables } from './report.js';
import { parseSplit, SPLIT_SEED } from './split.js';

const { values } = parseArgs({ options: { split: { type: 'string' }, weights: { type: 'string' } } });
const split = parseSplit(values.split);
const { docs, questions } = conversation(split);

const bench = await openBench(docs, values.weights);
try {
  console.log(
    `conversation · split=${split} (seed ${SPLIT_SEED}) · model=${bench.model} · turns=${docs.length} · questions=${questions.length} (${questions.filter((q) => q.relevant.length === 0).length} without answer)\n`,
  );
  const rows = [];
  for (const run of bench.runs) {
    const judged = [];
    for (const q of questions) {
      judged.push({ relevant: new Set(q.relevant), ranking: await run.rank(q.question) });
    }
    rows.push(figures(run.label, judged));
  }
  printTables(rows);
} finally {
  await bench.close();
}
