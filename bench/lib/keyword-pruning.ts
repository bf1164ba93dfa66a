/**
 * The keyword leg's pruning against its own full scan on the same questions, interleaved (pruned then full,
 * the order alternating) so both run under the same load: whether every answer is the same, how many tries
 * the pruned search needed, and the ratio of their median times.
 */
import type { Executor } from '../../src/db/client.js';
import {
  type KeywordHits,
  type KeywordTrace,
  keywordRepository,
} from '../../src/modules/search/keyword.repository.js';
import { median } from './load.js';

const FULL_SCAN = { essentialBudget: Number.POSITIVE_INFINITY };
/** The keyword leg's candidate count in the product (search.service.ts LEG_CANDIDATES). */
const LIMIT = 100;

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Same scores in order, and the same chunks except among ties with the last one kept. */
function same(pruned: KeywordHits, full: KeywordHits): boolean {
  if (pruned.hits.length !== full.hits.length) return false;
  const ids = new Set(full.hits.map((h) => h.id));
  const last = full.hits.at(-1)?.score ?? 0;
  return pruned.hits.every(
    (h, i) => close(h.score, full.hits[i]?.score ?? Number.NaN) && (ids.has(h.id) || close(h.score, last)),
  );
}

export async function keywordPruning(
  db: Executor,
  collectionId: string,
  questions: { text: string }[],
  reps: number,
): Promise<string> {
  const filter = { collectionIds: [collectionId] };
  const pruned: number[] = [];
  const full: number[] = [];
  const tries = new Map<string, number>();
  let agree = 0;
  for (let rep = 0; rep < reps; rep++) {
    for (const [q, question] of questions.entries()) {
      const trace: KeywordTrace = { tries: 0, essential: 0, terms: 0 };
      const timed = async (run: () => Promise<KeywordHits>, into: number[]) => {
        const started = performance.now();
        const result = await run();
        into.push(performance.now() - started);
        return result;
      };
      const runPruned = () =>
        timed(
          () => keywordRepository.search(db, question.text, filter, LIMIT, undefined, undefined, trace),
          pruned,
        );
      const runFull = () =>
        timed(() => keywordRepository.search(db, question.text, filter, LIMIT, undefined, FULL_SCAN), full);
      const [a, b] =
        (q + rep) % 2 === 0 ? [await runPruned(), await runFull()] : [await runFull(), await runPruned()];
      const [p, f] = (q + rep) % 2 === 0 ? [a, b] : [b, a];
      if (rep > 0) continue;
      if (same(p, f)) agree++;
      const key =
        trace.essential === trace.terms
          ? 'full scan'
          : `${trace.tries} pruned tr${trace.tries > 1 ? 'ies' : 'y'}`;
      tries.set(key, (tries.get(key) ?? 0) + 1);
    }
  }
  const ratio = median(pruned) / median(full);
  return [
    `keyword pruning on ${questions.length} questions × ${reps} (top ${LIMIT}, interleaved with the full scan):`,
    `  same answer as the full scan: ${agree}/${questions.length}`,
    `  how answered: ${[...tries].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `  median ms pruned ${median(pruned).toFixed(1)}, full scan ${median(full).toFixed(1)}: ratio ${ratio.toFixed(2)}×`,
  ].join('\n');
}
