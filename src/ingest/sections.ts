import type { Block } from './blocks.js';

/**
 * Markdown sections: every heading starts one, and the text before the first heading is one too (path: just
 * the title). A section's path is the title followed by the heading and its ancestors: a heading replaces
 * the earlier heading at its level and drops the deeper ones.
 *
 * Small sections are merged (merge-sections.ts): a parent's own text and its children, or neighbouring
 * siblings, become one chunk while together they fit in `maxTokens`, under the path they share (the parent's);
 * the sub-headings stay in the text. Keeping every section apart, as before, had three reasons: a chunk's
 * heading path was true of every line in it, a search returned the section that matched rather than its
 * neighbours too, and editing one section could not shift the chunk boundaries (and so the embeddings) of the
 * sections after it. The price was many chunks of a few dozen tokens for documents of many short sections
 * (the everyday bench notes: 273 chunks averaging 53 tokens, 52 averaging 279 once merged), each too small to
 * say much on its own to the embedding model or to BM25. Merging keeps most of what those reasons were for:
 * the shared path is still true of every line (only less specific), a chunk never mixes parts of two parents,
 * and since a section too big for a chunk is a barrier (split on its own as before), an edit moves chunk
 * boundaries only after it within the nearest enclosing section too big for one chunk, not beyond it.
 *
 * A section that is only its heading ("# Guide" straight above "## Install") is no chunk of its own: it joins
 * the section after it, whose path it takes.
 */

export interface Section {
  /** Block range [startBlock, endBlock). */
  startBlock: number;
  endBlock: number;
  headingPath: string[];
  /**
   * The block of each heading in the path after the title: what tells two sections under equally named
   * headings apart.
   */
  headingBlocks: number[];
}

export function markdownSections(blocks: Block[], title: string): Section[] {
  const raw: Section[] = [];
  const headings: { text: string; block: number }[] = [];
  let current: Section = { startBlock: 0, endBlock: 0, headingPath: [title], headingBlocks: [] };
  blocks.forEach((block, index) => {
    if (block.heading) {
      if (index > current.startBlock) raw.push({ ...current, endBlock: index });
      headings.length = Math.min(headings.length, block.heading.level - 1);
      headings.push({ text: block.heading.text, block: index });
      current = {
        startBlock: index,
        endBlock: index,
        headingPath: [title, ...headings.map((h) => h.text)],
        headingBlocks: headings.map((h) => h.block),
      };
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
