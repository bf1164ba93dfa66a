import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownBlocks } from './blocks.js';
import { countLines } from './line-counts.js';
import { blocksFit, mergeSections } from './merge-sections.js';
import { markdownSections, type Section } from './sections.js';
import { countTokens } from './tokenizer.js';

/** Random documents of headings at random levels over paragraphs of random length. */
const documents = fc
  .array(
    fc.record({
      level: fc.integer({ min: 1, max: 4 }),
      name: fc.constantFrom('Alpha', 'Beta', 'Gamma', 'Delta'),
      words: fc.integer({ min: 0, max: 40 }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((parts) =>
    parts
      .map(({ level, name, words }) =>
        [`${'#'.repeat(level)} ${name}`, ...(words > 0 ? ['', 'word '.repeat(words).trim()] : [])].join('\n'),
      )
      .join('\n\n'),
  );

function setUp(content: string, maxTokens: number) {
  const lines = content.split('\n');
  const blocks = markdownBlocks(lines);
  const sections = markdownSections(blocks, 'Doc');
  const fits = blocksFit(blocks, countLines(lines), maxTokens);
  const text = (s: Section) =>
    lines.slice(blocks[s.startBlock]?.start, blocks[s.endBlock - 1]?.end).join('\n');
  return { sections, fits, text, merged: mergeSections(sections, fits) };
}

const startsWith = (path: number[], prefix: number[]) =>
  path.length >= prefix.length && prefix.every((block, k) => path[k] === block);

describe('mergeSections', () => {
  it('covers the sections in order, merging only whole sections that fit, under the path they share', () => {
    fc.assert(
      fc.property(documents, fc.integer({ min: 16, max: 120 }), (content, maxTokens) => {
        const { sections, merged, text } = setUp(content, maxTokens);
        let next = 0;
        for (const out of merged) {
          // Consecutive whole input sections, nothing skipped or repeated.
          const first = sections[next];
          expect(out.startBlock).toBe(first?.startBlock);
          let end = next;
          while (end < sections.length && (sections[end]?.endBlock ?? 0) <= out.endBlock) end += 1;
          expect(sections[end - 1]?.endBlock).toBe(out.endBlock);
          const inside = sections.slice(next, end);
          if (inside.length > 1) {
            expect(countTokens(text(out))).toBeLessThanOrEqual(maxTokens);
            for (const s of inside) expect(startsWith(s.headingBlocks, out.headingBlocks)).toBe(true);
            expect(out.headingPath).toEqual(inside[0]?.headingPath.slice(0, out.headingBlocks.length + 1));
            // Never across parents: each child of the merged path that appears here appears here whole.
            const depth = out.headingBlocks.length;
            for (const s of inside) {
              if (s.headingBlocks.length <= depth) continue;
              const child = s.headingBlocks.slice(0, depth + 1);
              let lo = sections.indexOf(s);
              while (lo > 0 && startsWith(sections[lo - 1]?.headingBlocks ?? [], child)) lo -= 1;
              let hi = sections.indexOf(s) + 1;
              while (hi < sections.length && startsWith(sections[hi]?.headingBlocks ?? [], child)) hi += 1;
              expect(lo).toBeGreaterThanOrEqual(next);
              expect(hi).toBeLessThanOrEqual(end);
            }
          } else {
            expect(out).toEqual(inside[0]);
          }
          next = end;
        }
        expect(next).toBe(sections.length);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves no two neighbouring sibling sections apart when they would fit together', () => {
    fc.assert(
      fc.property(documents, fc.integer({ min: 16, max: 120 }), (content, maxTokens) => {
        const { sections, merged, fits } = setUp(content, maxTokens);
        merged.forEach((out, k) => {
          const after = merged[k + 1];
          if (!after || !sections.includes(out) || !sections.includes(after)) return;
          // A section whose subtree is too big for a chunk (it has children) starts afresh: its own text
          // does not join the sections before it.
          const next = sections[sections.indexOf(after) + 1];
          if (next && startsWith(next.headingBlocks, after.headingBlocks)) return;
          // Siblings, or a parent's own text and its first child.
          const parent = after.headingBlocks.slice(0, -1).join();
          const together =
            parent === out.headingBlocks.join() ||
            (out.headingBlocks.length > 0 && parent === out.headingBlocks.slice(0, -1).join());
          if (together) expect(fits(out.startBlock, after.endBlock)).toBe(false);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('does not merge text whose count does not add up exactly', () => {
    const content = `# A\n\n${'x'.repeat(300)}\n\n# B\n\nshort`;
    const { sections, merged } = setUp(content, 400);
    expect(merged).toEqual(sections);
  });
});
