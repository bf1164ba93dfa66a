/**
 * Conversational memory (bench/sets/conversation): six chat sessions between two people, stored one turn per
 * document as an agent's memory would hold them, and questions about who said or did what, and when. Scores
 * the evidence turns: Recall@5/@10, MRR@10, nDCG@10 per mode.
 *
 *   npx tsx bench/conversation.ts [--split tuning|heldout|all] [--weights 0.5,0.8]
 *
 * The split is fixed by bench/split.ts (seeded; stratum: answered or not).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openBench, type StoredDoc } from './harness.js';
import { figures, printTables } from './report.js';
import { inSplit, parseSplit, SPLIT_SEED } from './split.js';

interface Question {
  id: string;
  question: string;
  evidence: string[];
}

interface Turn {
  id: string;
  label?: string;
  doc: StoredDoc;
}

const { values } = parseArgs({ options: { split: { type: 'string' }, weights: { type: 'string' } } });
const split = parseSplit(values.split);
const root = resolve(import.meta.dirname, 'sets/conversation');

/** `## Session N · date` starts a session; each `Speaker: text` line after it is one turn. */
function parseTurns(text: string): Turn[] {
  const turns: Turn[] = [];
  let session = 0;
  let date = '';
  let turn = 0;
  for (const line of text.split('\n')) {
    const header = /^## Session (\d+) · (\d{4}-\d{2}-\d{2})$/.exec(line);
    if (header) {
      session = Number(header[1]);
      date = header[2] ?? '';
      turn = 0;
      continue;
    }
    const said = /^([A-Z][a-z]+): (.+?)(?:\s+\^([a-z0-9-]+))?$/.exec(line);
    if (!said || session === 0) continue;
    turn += 1;
    const [, speaker = '', content = '', label] = said;
    const id = `s${session}-t${String(turn).padStart(2, '0')}`;
    turns.push({
      id,
      label,
      doc: {
        key: id,
        title: `${speaker} · session ${session} · ${date} · turn ${turn}`,
        content,
        metadata: { speaker, session, date, turn },
      },
    });
  }
  return turns;
}

const turns = parseTurns(readFileSync(resolve(root, 'sessions.md'), 'utf8'));
const turnOf = new Map(turns.flatMap((t) => (t.label ? [[t.label, t.id] as const] : [])));
const all = JSON.parse(readFileSync(resolve(root, 'questions.json'), 'utf8')) as Question[];
const questions = inSplit(all, split, (q) => (q.evidence.length > 0 ? 'answered' : 'none'));

const bench = await openBench(
  turns.map((t) => t.doc),
  values.weights,
);
try {
  console.log(
    `conversation · split=${split} (seed ${SPLIT_SEED}) · model=${bench.model} · turns=${turns.length} · questions=${questions.length} (${questions.filter((q) => q.evidence.length === 0).length} without answer)\n`,
  );
  const rows = [];
  for (const run of bench.runs) {
    const judged = [];
    for (const q of questions) {
      const relevant = new Set(
        q.evidence.map((label) => {
          const id = turnOf.get(label);
          if (!id) throw new Error(`${q.id}: unknown evidence label ${label}`);
          return id;
        }),
      );
      judged.push({ relevant, ranking: await run.rank(q.question) });
    }
    rows.push(figures(run.label, judged));
  }
  printTables(rows);
} finally {
  await bench.close();
}
