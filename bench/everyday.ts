/**
 * Everyday questions over personal and work notes (bench/sets/everyday): paraphrases without the answer's rare
 * words, questions sharing an exact identifier, and questions with no answer in the corpus.
 *
 *   npx tsx bench/everyday.ts [--split tuning|heldout|all] [--weights 0.5,0.8]
 *
 * The split is fixed by bench/split.ts (seeded, stratified by domain and question kind). Choose weights and rules on `tuning`;
 * report `heldout`.
 */
import { parseArgs } from 'node:util';
import { everyday } from './corpora.js';
import { openBench } from './harness.js';
import { figures, type Judged, printTables } from './report.js';
import { parseSplit, SPLIT_SEED } from './split.js';

const { values } = parseArgs({ options: { split: { type: 'string' }, weights: { type: 'string' } } });
const split = parseSplit(values.split);
const { docs, questions } = everyday(split);

const bench = await openBench(docs, values.weights);
try {
  console.log(
    `everyday · split=${split} (seed ${SPLIT_SEED}) · model=${bench.model} · documents=${docs.length} · questions=${questions.length} (${questions.filter((q) => q.relevant.length === 0).length} without answer)\n`,
  );
  const results = [];
  for (const run of bench.runs) {
    const judged: (Judged & { kind: string | undefined })[] = [];
    for (const q of questions) {
      judged.push({ kind: q.kind, relevant: new Set(q.relevant), ranking: await run.rank(q.question) });
    }
    results.push({ label: run.label, judged });
  }
  printTables(results.map((r) => figures(r.label, r.judged)));
  for (const kind of ['paraphrase', 'identifier'] as const) {
    console.log(`\nOnly ${kind} questions:\n`);
    printTables(
      results.map((r) =>
        figures(
          r.label,
          r.judged.filter((j) => j.kind === kind),
        ),
      ),
    );
  }
} finally {
  await bench.close();
}
