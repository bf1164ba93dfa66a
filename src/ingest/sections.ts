import type { Block } from './blocks.js';

/**
 * Markdown sections: every heading starts one, and the text before the first heading is one too (path: just
 * the title). A section's path is the title followed by the heading and its ancestors: a heading replaces
 * the earlier heading at its level and drops the deeper ones.
 *
 * Sections are never packed together, even when small. A chunk's heading path is then true of every line
 * in it, a search returns the section that matched rather than its neighbours too, and editing one section
 * cannot shift the chunk boundaries (and so the embeddings) of the sections after it. The price is more,
 * smaller chunks for documents of many tiny sections; the heading path embedded with each keeps those
 * meaningful.
 *
 * A section that is only its heading ("# Guide" straight above "## Install") is no chunk of its own: it joins
 * the section after it, whose path it takes.
 */

export interface Section {
  /** Block range [startBlock, endBlock). */
  startBlock: number;
  endBlock: number;
  headingPath: string[];
}

export function markdownSections(blocks: Block[], title: string): Section[] {
  const raw: Section[] = [];
  const headings: string[] = [];
  let current: Section = { startBlock: 0, endBlock: 0, headingPath: [title] };
  blocks.forEach((block, index) => {
    if (block.heading) {
      if (index > current.startBlock) raw.push({ ...current, endBlock: index });
      headings.length = Math.min(headings.length, block.heading.level - 1);
      headings.push(block.heading.text);
      current = { startBlock: index, endBlock: index, headingPath: [title, ...headings] };
    }
  });
  if (blocks.length > current.startBlock) raw.push({ ...current, endBlock: blocks.length });

  const sections: Section[] = [];
  let carriedFrom: number | undefined;
  raw.forEach((section, k) => {
    const headingOnly = section.endBlock - section.startBlock === 1 && blocks[section.startBlock]?.heading;
    if (headingOnly && k < raw.length - 1) {
      carriedFrom ??= section.startBlock;
      return;
    }
    sections.push({ ...section, startBlock: carriedFrom ?? section.startBlock });
    carriedFrom = undefined;
  });
  return sections;
}
