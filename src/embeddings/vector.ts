/** Small vector helpers shared by the providers and their tests. */

/** Euclidean length of `v`. */
export function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? 0;
    sum += x * x;
  }
  return Math.sqrt(sum);
}

/**
 * Scales `v` to unit length in place and returns it. Returns `false` instead when `v` has no direction (all
 * zeros) or contains a non-finite value, because such a vector cannot be compared by cosine and callers must
 * decide what that means for them.
 */
export function normalizeInPlace(v: Float32Array): Float32Array | false {
  const n = norm(v);
  if (!Number.isFinite(n) || n === 0) return false;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / n;
  return v;
}

/** Dot product; equals cosine similarity for unit vectors. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}
