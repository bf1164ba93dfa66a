/**
 * The fixed tuning / held-out split of the everyday and conversation sets. Any weight or rule is chosen on the
 * tuning half and reported on the held-out half only, so the split must never move: it is a deterministic
 * shuffle (mulberry32 seeded with SPLIT_SEED) within each stratum, and items alternate between the halves.
 * Changing the seed or the stratum key invalidates every held-out figure reported so far.
 */
export const SPLIT_SEED = 20251203;

export type Split = 'tuning' | 'heldout' | 'all';

export function parseSplit(value: string | undefined): Split {
  if (value === undefined || value === 'all') return 'all';
  if (value === 'tuning' || value === 'heldout') return value;
  throw new Error(`--split must be tuning, heldout or all (got ${value})`);
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ids of the tuning half: per stratum, shuffled by the seed, items alternating between the halves. */
export function tuningIds<T extends { id: string }>(items: T[], stratum: (item: T) => string): Set<string> {
  const random = mulberry32(SPLIT_SEED);
  const groups = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.id.localeCompare(b.id))) {
    const key = stratum(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const tuning = new Set<string>();
  // One alternation across all strata, so odd-sized strata do not all round towards the tuning half.
  let next = 0;
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key) ?? [];
    // Fisher–Yates with the seeded generator: reproducible on every machine and Node version.
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j] as T, group[i] as T];
    }
    for (const item of group) {
      if (next % 2 === 0) tuning.add(item.id);
      next += 1;
    }
  }
  return tuning;
}

export function inSplit<T extends { id: string }>(
  items: T[],
  split: Split,
  stratum: (item: T) => string,
): T[] {
  if (split === 'all') return items;
  const tuning = tuningIds(items, stratum);
  return items.filter((item) => tuning.has(item.id) === (split === 'tuning'));
}
