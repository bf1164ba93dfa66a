/**
 * Everyday questions over personal and work notes (bench/sets/everyday): paraphrases without the answer's rare
 * words, questions sharing an exact identifier, and questions with no answer in the corpus.
 *
 *   npx tsx bench/everyday.ts [--split tuning|heldout|all] [--weights 0.5,0.8]
 *
 * The split is fixed by bench/split.ts (seeded, stratified by domain and question kind). Choose weights and rules on `tuning`;
 * report `heldout`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openBench, type StoredDoc } from './harness.js';
import { figures, type Judged, printTables } from './report.js';
import { inSplit, parseSplit, SPLIT_SEED } from './split.js';

interface Question {
  id: string;
  domain: string;
  kind: 'paraphrase' | 'identifier' | 'no-answer';
  question: string;
  doc: string | null;
  section?: string;
}

const { values } = parseArgs({ options: { split: { type: 'string' }, weights: { type: 'string' } } });
const split = parseSplit(values.split);
const root = resolve(import.meta.dirname, 'sets/everyday');

/** The title a person would give the file: front matter `title:`, else the first heading, else the key. */
function titleOf(key: string, content: string): string {
  const front = /^---\n[\s\S]*?^title:\s*(.+)$[\s\S]*?^---$/m.exec(content)?.[1];
  return (front ?? /^# (.+)$/m.exec(content)?.[1] ?? key).trim();
}

const docs: StoredDoc[] = readdirSync(resolve(root, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .sort()
  .map((file) => {
    const content = readFileSync(resolve(root, 'docs', file), 'utf8');
    const key = file.replace(/\.md$/, '');
    return { key, title: titleOf(key, content), content };
  });
const all = JSON.parse(readFileSync(resolve(root, 'questions.json'), 'utf8')) as Question[];
const questions = inSplit(all, split, (q) => `${q.domain}:${q.kind}`);

const bench = await openBench(docs, values.weights);
try {
  console.log(
    `everyday · split=${split} (seed ${SPLIT_SEED}) · model=${bench.model} · documents=${docs.length} · questions=${questions.length} (${questions.filter((q) => !q.doc).length} without answer)\n`,
  );
  const results = [];
  for (const run of bench.runs) {
    const judged: (Judged & { kind: Question['kind'] })[] = [];
    for (const q of questions) {
      judged.push({
        kind: q.kind,
        relevant: new Set(q.doc ? [q.doc] : []),
        ranking: await run.rank(q.question),
      });
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
