import type { Block } from './blocks.js';
import type { LineCounts } from './line-counts.js';
import type { Section } from './sections.js';

/**
 * Merges small neighbouring markdown sections that share a parent heading into one section, as long as the
 * merged text fits in one chunk (sections.ts says why).
 *
 * The sections form a tree by heading path. Under one parent, its own text (the lines under its heading
 * before the first sub-heading) and its children are taken in order; a child whose whole subtree fits in a
 * chunk is one unit, and consecutive units join while their text still fits. A child too big for a chunk is
 * a barrier: nothing joins across it, and its own children are merged the same way one level down. So a
 * merged section never mixes parts of two parents: it holds one parent's text and/or whole subtrees of its
 * children, and its path is what all of them share (the parent's path). A section alone too big for a chunk
 * is left as it is, for the packer to split.
 */
export function mergeSections(
  sections: Section[],
  fits: (startBlock: number, endBlock: number) => boolean,
): Section[] {
  const merged: Section[] = [];
  const rangeFits = (lo: number, hi: number) =>
    fits(sections[lo]?.startBlock ?? 0, sections[hi - 1]?.endBlock ?? 0);

  /** Sections [lo, hi) all sit under the same `depth` headings. */
  const arrange = (lo: number, hi: number, depth: number) => {
    let group: { lo: number; hi: number } | undefined;
    const flush = () => {
      if (group) merged.push(joined(sections, group.lo, group.hi));
      group = undefined;
    };
    let k = lo;
    while (k < hi) {
      // One unit: a section at this depth (the parent's own text), or a child with all its descendants.
      const headings = sections[k]?.headingBlocks ?? [];
      let end = k + 1;
      if (headings.length > depth) {
        while (end < hi && sections[end]?.headingBlocks[depth] === headings[depth]) end += 1;
      }
      if (rangeFits(k, end)) {
        if (group && rangeFits(group.lo, end)) {
          group.hi = end;
        } else {
          flush();
          group = { lo: k, hi: end };
        }
      } else {
        flush();
        if (end - k === 1) {
          const section = sections[k];
          if (section) merged.push(section);
        } else {
          arrange(k, end, depth + 1);
        }
      }
      k = end;
    }
    flush();
  };
  arrange(0, sections.length, 0);
  return merged;
}

/** Sections [lo, hi) as one, under the headings they all share. */
function joined(sections: Section[], lo: number, hi: number): Section {
  const first = sections[lo];
  const last = sections[hi - 1];
  if (!first || !last) throw new RangeError('empty section range');
  if (hi - lo === 1) return first;
  let shared = first.headingBlocks.length;
  for (let k = lo + 1; k < hi; k++) {
    const headings = sections[k]?.headingBlocks ?? [];
    let n = 0;
    while (n < shared && headings[n] === first.headingBlocks[n]) n += 1;
    shared = n;
  }
  return {
    startBlock: first.startBlock,
    endBlock: last.endBlock,
    // The path starts with the document title.
    headingPath: first.headingPath.slice(0, shared + 1),
    headingBlocks: first.headingBlocks.slice(0, shared),
  };
}

/**
 * Whether blocks [startBlock, endBlock) fit in one chunk of `maxTokens`, from the per-line counts (joins.ts:
 * the lines' tokens plus what each line break adds, exactly the packer's sum). Text whose count does not add
 * up exactly never counts as fitting, so a merged section is always one chunk.
 */
export function blocksFit(
  blocks: Block[],
  counts: LineCounts,
  maxTokens: number,
): (startBlock: number, endBlock: number) => boolean {
  const sums = (values: number[]) => {
    const out = [0];
    for (const value of values) out.push((out[out.length - 1] ?? 0) + value);
    return out;
  };
  const tokens = sums(counts.tokens);
  const breaks = sums(counts.breaks);
  const inexact = sums(counts.inexact.map(Number));
  const at = (values: number[], k: number) => values[k] ?? 0;
  return (startBlock, endBlock) => {
    const start = blocks[startBlock]?.start;
    const end = blocks[endBlock - 1]?.end;
    if (start === undefined || end === undefined || end <= start) return false;
    if (at(inexact, end) > at(inexact, start)) return false;
    // The break before the range's first line joins it to text outside the range.
    const cost = at(tokens, end) - at(tokens, start) + at(breaks, end) - at(breaks, start + 1);
    return cost <= maxTokens;
  };
}
