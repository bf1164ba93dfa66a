import { markdownBlocks, plainBlocks } from './blocks.js';
import type { DocumentType } from './document-types.js';
import { frontMatterOf } from './front-matter.js';
import { countLines } from './line-counts.js';
import { blocksFit, mergeSections } from './merge-sections.js';
import { packBlocks } from './packer.js';
import { markdownSections, type Section } from './sections.js';

/**
 * Structure-aware chunking (DESIGN §4). Unlike the original chunker it never exceeds `maxTokens`, keeps the
 * blank lines between blocks, and only markdown has headings:
 *
 * - Markdown: headings (ATX, and single-line setext) start sections, and each chunk carries the heading path
 *   of its section (`[title, H1, H2, …]`); `#` lines inside code fences are not headings. YAML front matter
 *   (front-matter.ts) is metadata, not text, and is not chunked at all; a block that only looks like it
 *   (invalid YAML, not a mapping) is content, and blocks.ts keeps it whole so its `---` is no setext line.
 *   Small sections under one parent heading are merged while they fit in one chunk, under the parent's path
 *   (merge-sections.ts; sections.ts says why); a section too big for a chunk is split on its own. Fences
 *   and tables are cut only when one alone is too big for a chunk, and then each piece is valid markdown on
 *   its own (packer.ts).
 * - Every other type: no headings at all (a `# comment` is code), one section with path `[title]`, split on
 *   blank lines, then lines, then tokens.
 * - Consecutive chunks of one section overlap by up to `overlapTokens` (packer.ts); chunks of different
 *   sections never overlap.
 */

export interface Chunk {
  /** 0-based position in the document. */
  index: number;
  text: string;
  /** The document title followed by the headings the chunk sits under. */
  headingPath: string[];
  /** cl100k_base tokens of `text` (countTokens); never more than `maxTokens`. */
  tokenCount: number;
}

export interface ChunkInput {
  title: string;
  content: string;
  documentType: DocumentType;
}

export interface ChunkOptions {
  maxTokens: number;
  overlapTokens: number;
}

/** Below this a fence or table cannot be re-opened in a chunk and still hold content. */
export const MIN_CHUNK_TOKENS = 16;

export function chunkDocument(input: ChunkInput, options: ChunkOptions): Chunk[] {
  const maxTokens = Math.floor(options.maxTokens);
  if (!(maxTokens >= MIN_CHUNK_TOKENS)) {
    throw new RangeError(`maxTokens must be at least ${MIN_CHUNK_TOKENS}, got ${options.maxTokens}`);
  }
  // More than half a chunk of overlap would make each chunk mostly a copy of the one before.
  const overlapTokens = Math.max(
    0,
    Math.min(Math.floor(options.overlapTokens) || 0, Math.floor(maxTokens / 2)),
  );

  const markdown = input.documentType === 'markdown';
  const frontMatter = frontMatterOf(input.content, input.documentType);
  const content = input.content
    .slice(frontMatter?.length ?? 0)
    .replace(/\r\n?/g, '\n')
    .trim();
  if (content === '') return [];
  const lines = content.split('\n');
  const counts = countLines(lines);
  const blocks = markdown ? markdownBlocks(lines) : plainBlocks(lines);
  const sections: Section[] = markdown
    ? mergeSections(markdownSections(blocks, input.title), blocksFit(blocks, counts, maxTokens))
    : [{ startBlock: 0, endBlock: blocks.length, headingPath: [input.title], headingBlocks: [] }];

  const chunks: Chunk[] = [];
  for (const section of sections) {
    const sectionBlocks = blocks.slice(section.startBlock, section.endBlock);
    for (const piece of packBlocks(lines, counts, sectionBlocks, { maxTokens, overlapTokens })) {
      chunks.push({
        index: chunks.length,
        text: piece.text,
        headingPath: [...section.headingPath],
        tokenCount: piece.tokens,
      });
    }
  }
  return chunks;
}
