/**
 * Fits the relevance models (src/modules/search/relevance.ts) and chooses the default score floor.
 *
 *   npx tsx bench/calibrate.ts [--scifact-docs 800] [--fresh all|everyday,conversation,scifact-subset]
 *
 * Gathers, per mode, the top chunks of every question of the everyday and conversation sets and of a SciFact
 * subset through the product's own search path (cached per set in bench/.data/calibration-<set>.json; --fresh re-gathers the sets named),
 * fits one logistic model per mode on the TUNING halves only (each set weighted equally; a chunk is relevant when
 * its document is a judged answer), and reports on the HELD-OUT halves: calibration (predicted vs. observed, by
 * bin), and for each floor what share of no-answer questions come back empty, of answerable questions keep their
 * first correct hit, and how many irrelevant results of the first five survive.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  logistic,
  type QuerySignals,
  relevanceFeatures,
  type Standing,
} from '../src/modules/search/relevance.js';
import type { SearchMode } from '../src/modules/search/search.service.js';
import { type Corpus, conversation, everyday, scifactSubset } from './corpora.js';
import { openBench } from './harness.js';
import { fitLogistic, type Row } from './logistic.js';

const { values } = parseArgs({
  options: { 'scifact-docs': { type: 'string', default: '800' }, fresh: { type: 'string' } },
});
const CACHE_DIR = resolve('bench/.data');
/** Chunks looked at per question: what max_results allows and a little more. */
const DEPTH = 10;
const MODES: SearchMode[] = ['keyword', 'semantic', 'hybrid'];

interface Gathered {
  set: string;
  question: string;
  tuning: boolean;
  answerable: boolean;
  mode: SearchMode;
  chunks: { standing: Standing; signals: QuerySignals; relevant: boolean; score: number }[];
}

async function gather(corpus: Corpus, tuning: Set<string>): Promise<Gathered[]> {
  const bench = await openBench(corpus.docs, undefined, DEPTH);
  const out: Gathered[] = [];
  try {
    for (const run of bench.runs) {
      for (const q of corpus.questions) {
        const relevant = new Set(q.relevant);
        const chunks = await run.chunks(q.question);
        out.push({
          set: corpus.name,
          question: q.id,
          tuning: tuning.has(q.id),
          answerable: relevant.size > 0,
          mode: run.mode,
          chunks: chunks.map((c) => ({
            standing: c.standing,
            signals: c.signals,
            relevant: relevant.has(c.key),
            score: c.score,
          })),
        });
      }
      process.stderr.write(`${corpus.name}: ${run.label} gathered\n`);
    }
  } finally {
    await bench.close();
  }
  return out;
}

/** Each set's gathered chunks are cached on their own, so --fresh can re-gather one set (e.g. after a chunking change). */
async function load(): Promise<Gathered[]> {
  const corpora = [
    everyday('all'),
    conversation('all'),
    scifactSubset('all', Number(values['scifact-docs'])),
  ];
  const fresh = new Set((values.fresh ?? '').split(',').filter(Boolean));
  const rows: Gathered[] = [];
  for (const corpus of corpora) {
    const cache = resolve(CACHE_DIR, `calibration-${corpus.name}.json`);
    if (!fresh.has(corpus.name) && !fresh.has('all') && existsSync(cache)) {
      rows.push(...(JSON.parse(readFileSync(cache, 'utf8')) as Gathered[]));
      continue;
    }
    const gathered = await gather(corpus, inTuning(corpus));
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(cache, JSON.stringify(gathered));
    rows.push(...gathered);
  }
  return rows;
}

/** The tuning ids of a corpus, computed the way its runner splits it. */
function inTuning(corpus: Corpus): Set<string> {
  const byName: Record<string, () => Corpus> = {
    everyday: () => everyday('tuning'),
    conversation: () => conversation('tuning'),
    'scifact-subset': () => scifactSubset('tuning', Number(values['scifact-docs'])),
  };
  const tuned = byName[corpus.name]?.();
  if (!tuned) throw new Error(`no split for ${corpus.name}`);
  return new Set(tuned.questions.map((q) => q.id));
}

/**
 * Which of relevanceFeatures a mode's model uses: a leg that did not run contributes nothing (semantic has no
 * keyword coverage, keyword no cosine).
 */
const USED: Record<SearchMode, boolean[]> = {
  hybrid: [true, true, true, true, true, true],
  keyword: [true, true, true, false, true, true],
  semantic: [true, true, true, true, false, true],
};
/** Features whose weight must not be negative, or the relevance could reorder the mode's own ranking. */
const RISING = [0, 1, 2];

const features = (c: Gathered['chunks'][number], mode: SearchMode): number[] =>
  relevanceFeatures(c.standing, c.signals).map((x, i) => (USED[mode][i] ? x : 0));

function rowsOf(items: Gathered[], mode: SearchMode): Row[] {
  const sets = [...new Set(items.map((i) => i.set))];
  return sets.flatMap((set) => {
    const mine = items.filter((i) => i.set === set && i.mode === mode);
    const n = mine.reduce((sum, i) => sum + i.chunks.length, 0) || 1;
    // Each set weighs the same in the fit, whatever its number of questions.
    return mine.flatMap((i) =>
      i.chunks.map((c) => ({ x: features(c, mode), y: c.relevant ? 1 : 0, weight: 1000 / n }) as Row),
    );
  });
}

const f3 = (n: number) => n.toFixed(3);
const predict = logistic;

const all = await load();
const models: Record<string, number[]> = {};
for (const mode of MODES) {
  const rows = rowsOf(
    all.filter((g) => g.tuning),
    mode,
  );
  // A rising feature fitted with a negative weight is dropped and the model refitted without it. So is the best
  // cosine when it outweighs the result's own cosine: the best result's relevance would then fall as its cosine
  // rises, which a lone result (a new user's first document) shows at once.
  const dropped = new Set<number>();
  let beta = fitLogistic(rows);
  for (;;) {
    const negative =
      RISING.find((i) => !dropped.has(i) && (beta[i + 1] ?? 0) < 0) ??
      (!dropped.has(3) && (beta[1] ?? 0) + (beta[4] ?? 0) < 0 ? 3 : undefined);
    if (negative === undefined) break;
    dropped.add(negative);
    beta = fitLogistic(rows.map((r) => ({ ...r, x: r.x.map((x, i) => (dropped.has(i) ? 0 : x)) })));
  }
  models[mode] = beta.map((b) => Math.round(b * 1000) / 1000);
}
console.log('Fitted on the tuning halves ([intercept, …weights of relevanceFeatures]):\n');
for (const mode of MODES) console.log(`  ${mode}: [${models[mode]?.join(', ')}],`);

const heldout = all.filter((g) => !g.tuning);
const setsOf = (items: Gathered[]) => [...new Set(items.map((g) => g.set))];

console.log(
  '\nHeld-out calibration: mean predicted relevance / observed share of relevant chunks (count), per bin\n',
);
console.log('| mode | set | 0–0.2 | 0.2–0.4 | 0.4–0.6 | 0.6–0.8 | 0.8–1 | ECE |');
console.log('|---|---|---|---|---|---|---|---|');
for (const mode of MODES) {
  const beta = models[mode] ?? [];
  for (const set of setsOf(heldout)) {
    const bins = Array.from({ length: 5 }, () => ({ n: 0, predicted: 0, observed: 0 }));
    for (const g of heldout.filter((h) => h.set === set && h.mode === mode)) {
      for (const c of g.chunks) {
        const p = predict(beta, features(c, mode));
        const bin = bins[Math.min(4, Math.floor(p * 5))];
        if (!bin) continue;
        bin.n += 1;
        bin.predicted += p;
        bin.observed += c.relevant ? 1 : 0;
      }
    }
    const total = bins.reduce((sum, b) => sum + b.n, 0) || 1;
    const ece = bins.reduce((sum, b) => sum + Math.abs(b.predicted - b.observed), 0) / total;
    const cell = (b: (typeof bins)[number]) =>
      b.n === 0 ? '–' : `${f3(b.predicted / b.n)} / ${f3(b.observed / b.n)} (${b.n})`;
    console.log(`| ${mode} | ${set} | ${bins.map(cell).join(' | ')} | ${f3(ece)} |`);
  }
}

interface FloorFigures {
  noAnswer: number;
  noAnswerKept: number;
  hadCorrect: number;
  correctKept: number;
  irrelevantBefore: number;
  irrelevantAfter: number;
  questions: number;
}

/** What a floor does to the first five results of some questions. */
function atFloor(items: Gathered[], mode: SearchMode, floor: number): FloorFigures {
  const beta = models[mode] ?? [];
  const f: FloorFigures = {
    noAnswer: 0,
    noAnswerKept: 0,
    hadCorrect: 0,
    correctKept: 0,
    irrelevantBefore: 0,
    irrelevantAfter: 0,
    questions: items.length,
  };
  for (const g of items) {
    const top = g.chunks.slice(0, 5).map((c) => ({ ...c, p: predict(beta, features(c, mode)) }));
    const survive = top.filter((c) => c.p >= floor);
    f.irrelevantBefore += top.filter((c) => !c.relevant).length;
    f.irrelevantAfter += survive.filter((c) => !c.relevant).length;
    if (!g.answerable) {
      f.noAnswer += 1;
      f.noAnswerKept += survive.length;
    } else if (top.some((c) => c.relevant)) {
      f.hadCorrect += 1;
      if (survive.some((c) => c.relevant)) f.correctKept += 1;
    }
  }
  return f;
}

// The rule: the highest floor (in steps of 0.05) at which hybrid keeps the first correct hit of at least 97 % of the
// answerable tuning questions, pooled over the sets (per set, one question of the small conversation half is
// already 4 %).
const FLOORS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
const tuning = all.filter((g) => g.tuning);
const chosen = FLOORS.filter((floor) => {
  const f = atFloor(
    tuning.filter((g) => g.mode === 'hybrid'),
    'hybrid',
    floor,
  );
  return f.correctKept >= 0.97 * f.hadCorrect;
}).at(-1);
console.log(`\nDefault floor chosen on the tuning halves: ${chosen ?? 'none'}`);

console.log('\nHeld-out floors, first five results: answerable questions keeping their first correct hit,');
console.log('irrelevant results per question, results left for no-answer questions (mean, of 5)\n');
console.log('| mode | set | floor | correct hit kept | irrelevant kept | no-answer results |');
console.log('|---|---|---|---|---|---|');
for (const mode of MODES) {
  for (const set of setsOf(heldout)) {
    const items = heldout.filter((h) => h.set === set && h.mode === mode);
    for (const floor of [0, ...FLOORS]) {
      const f = atFloor(items, mode, floor);
      const noAnswer = f.noAnswer === 0 ? '–' : f3(f.noAnswerKept / f.noAnswer);
      console.log(
        `| ${mode} | ${set} | ${floor}${floor === chosen ? ' (default)' : ''} | ${f.correctKept}/${f.hadCorrect} | ${f3(f.irrelevantAfter / f.questions)} | ${noAnswer} |`,
      );
    }
  }
}
