/** Per-mode retrieval figures for the small benches, printed as markdown tables. */

import type { Ranking } from './harness.js';
import { ndcgAt, percentile, recallAt } from './metrics.js';

export interface Judged {
  /** Relevant document keys; empty for a question the corpus does not answer. */
  relevant: Set<string>;
  ranking: Ranking;
}

export interface ModeFigures {
  label: string;
  answered: number;
  mrr10: number;
  ndcg10: number;
  top1: number;
  recall5: number;
  recall10: number;
  /** Top score of the first relevant hit (answered questions) and of the first hit (no-answer questions). */
  relevantTopScores: number[];
  noAnswerTopScores: number[];
}

export function figures(label: string, judged: Judged[]): ModeFigures {
  const answered = judged.filter((j) => j.relevant.size > 0);
  const mean = (f: (j: Judged) => number) =>
    answered.length === 0 ? 0 : answered.reduce((sum, j) => sum + f(j), 0) / answered.length;
  const keys = (j: Judged) => j.ranking.map((r) => r.key);
  const firstRelevant = (j: Judged) => keys(j).findIndex((k) => j.relevant.has(k));
  return {
    label,
    answered: answered.length,
    mrr10: mean((j) => {
      const i = firstRelevant(j);
      return i >= 0 && i < 10 ? 1 / (i + 1) : 0;
    }),
    ndcg10: mean((j) => ndcgAt(keys(j), j.relevant, 10)),
    top1: answered.filter((j) => firstRelevant(j) === 0).length,
    recall5: mean((j) => recallAt(keys(j), j.relevant, 5)),
    recall10: mean((j) => recallAt(keys(j), j.relevant, 10)),
    relevantTopScores: answered.flatMap((j) => {
      const hit = j.ranking[firstRelevant(j)];
      return firstRelevant(j) === 0 && hit ? [hit.score] : [];
    }),
    noAnswerTopScores: judged.filter((j) => j.relevant.size === 0).map((j) => j.ranking[0]?.score ?? 0),
  };
}

const f3 = (n: number) => n.toFixed(3);

export function printTables(rows: ModeFigures[]): void {
  console.log('| mode | MRR@10 | nDCG@10 | top-1 | Recall@5 | Recall@10 |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${f3(r.mrr10)} | ${f3(r.ndcg10)} | ${r.top1}/${r.answered} | ${f3(r.recall5)} | ${f3(r.recall10)} |`,
    );
  }
  const noAnswer = rows[0]?.noAnswerTopScores.length ?? 0;
  if (noAnswer === 0) return;
  console.log('');
  console.log(
    `Top scores, for judging a score floor: the first hit of the ${noAnswer} no-answer questions vs. a correct first hit.`,
  );
  console.log('');
  console.log('| mode | no-answer p50 | no-answer max | correct top-1 p10 | correct top-1 p50 |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const na = r.noAnswerTopScores;
    const ok = r.relevantTopScores;
    console.log(
      `| ${r.label} | ${f3(percentile(na, 50))} | ${f3(Math.max(...na))} | ${f3(percentile(ok, 10))} | ${f3(percentile(ok, 50))} |`,
    );
  }
}
