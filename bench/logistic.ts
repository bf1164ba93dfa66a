/**
 * Weighted logistic regression by Newton's method (with a little L2 so separable data still converges), for
 * fitting the relevance models of src/modules/search/relevance.ts. A handful of features and a few thousand rows:
 * small enough that a dependency would be more code to audit than these lines.
 */
import { logistic } from '../src/modules/search/relevance.js';

export interface Row {
  x: number[];
  y: 0 | 1;
  weight: number;
}

/** Returns [intercept, ...weights]. */
export function fitLogistic(rows: Row[], l2 = 1e-3, iterations = 50): number[] {
  const d = (rows[0]?.x.length ?? 0) + 1;
  let beta = new Array<number>(d).fill(0);
  for (let iter = 0; iter < iterations; iter++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const row of rows) {
      const x = [1, ...row.x];
      const p = logistic(beta, row.x);
      for (let i = 0; i < d; i++) {
        grad[i] = (grad[i] ?? 0) + row.weight * ((p - row.y) * (x[i] ?? 0));
        const hi = hess[i] as number[];
        for (let j = 0; j < d; j++)
          hi[j] = (hi[j] ?? 0) + row.weight * p * (1 - p) * (x[i] ?? 0) * (x[j] ?? 0);
      }
    }
    for (let i = 1; i < d; i++) {
      grad[i] = (grad[i] ?? 0) + l2 * (beta[i] ?? 0);
      (hess[i] as number[])[i] = ((hess[i] as number[])[i] ?? 0) + l2;
    }
    const step = solve(hess, grad);
    beta = beta.map((b, i) => b - (step[i] ?? 0));
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return beta;
}

/** Gaussian elimination with partial pivoting: a d×d system, d ≤ 6. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    }
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const p = m[col] as number[];
    const div = p[col] || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = m[r] as number[];
      const f = (row[col] ?? 0) / div;
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - f * (p[c] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / ((row[i] ?? 0) || 1e-12));
}
