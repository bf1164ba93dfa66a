import type { DocumentType } from './document-types.js';
import { countTokens, decodeTokens, encodeTokens } from './tokenizer.js';

/**
 * Structure-aware chunking. Markdown is cut at headings, and every chunk carries its heading path
 * ("Title › H1 › H2"); fenced code blocks and tables stay whole unless one alone exceeds the limit (then it is
 * split by lines and a code fence is re-opened in every piece, so each piece is still valid markdown). `#`
 * inside a fence is code, not a heading. Other types have no headings: they split on blank lines, then lines,
 * then tokens. No chunk ever exceeds `maxTokens`.
 *
 * Sections are not packed together: a chunk never mixes two headings, so its heading path is exact. A section
 * that is only a heading line (e.g. "# Guide" right before "## Install") joins the next section.
 */

export interface Chunk {
  index: number;
  text: string;
  headingPath: string[];
  tokenCount: number;
}

export interface ChunkOptions {
  maxTokens: number;
  overlapTokens: number;
}

type BlockKind = 'heading' | 'fence' | 'table' | 'text';

interface Block {
  kind: BlockKind;
  lines: string[];
}

interface Section {
  headingPath: string[];
  blocks: Block[];
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const TABLE_LINE = /^\s*\|/;
/** Separator between blocks inside a chunk: the blank line the original lost. */
const JOIN = '\n\n';

function isFenceClose(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed[0] === fence[0] && /^(`+|~+)$/.test(trimmed);
}

/** Splits markdown into sections by heading, and each section into atomic blocks. */
function markdownSections(title: string, lines: string[]): Section[] {
  const sections: Section[] = [];
  const headings: string[] = [];
  let current: Section = { headingPath: [title], blocks: [] };
  let paragraph: Block | undefined;
  const flush = () => {
    if (paragraph) current.blocks.push(paragraph);
    paragraph = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = FENCE_OPEN.exec(line);
    if (fence?.[1]) {
      flush();
      const block: Block = { kind: 'fence', lines: [line] };
      let j = i + 1;
      for (; j < lines.length; j++) {
        const inner = lines[j] ?? '';
        block.lines.push(inner);
        if (isFenceClose(inner, fence[1])) break;
      }
      current.blocks.push(block);
      i = j;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading?.[1] && heading[2]) {
      flush();
      if (current.blocks.length > 0) sections.push(current);
      const level = heading[1].length;
      headings.length = level - 1;
      headings[level - 1] = heading[2].trim();
      current = { headingPath: [title, ...headings.filter((h) => h !== undefined && h !== '')], blocks: [] };
      current.blocks.push({ kind: 'heading', lines: [line] });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    if (TABLE_LINE.test(line)) {
      if (paragraph?.kind !== 'table') flush();
      paragraph ??= { kind: 'table', lines: [] };
      paragraph.lines.push(line);
      continue;
    }
    if (paragraph?.kind === 'table') flush();
    paragraph ??= { kind: 'text', lines: [] };
    paragraph.lines.push(line);
  }
  flush();
  if (current.blocks.length > 0) sections.push(current);
  // A heading with no body joins the section after it (keeping the deeper path).
  const merged: Section[] = [];
  let pending: Block[] = [];
  for (const section of sections) {
    const headingOnly = section.blocks.every((b) => b.kind === 'heading');
    if (headingOnly && section !== sections[sections.length - 1]) {
      pending.push(...section.blocks);
      continue;
    }
    merged.push({ headingPath: section.headingPath, blocks: [...pending, ...section.blocks] });
    pending = [];
  }
  return merged;
}

/** Code and plain text: no headings; paragraphs are the blocks. */
function plainSections(title: string, lines: string[]): Section[] {
  const blocks: Block[] = [];
  let paragraph: Block | undefined;
  for (const line of lines) {
    if (line.trim() === '') {
      if (paragraph) blocks.push(paragraph);
      paragraph = undefined;
      continue;
    }
    paragraph ??= { kind: 'text', lines: [] };
    paragraph.lines.push(line);
  }
  if (paragraph) blocks.push(paragraph);
  return [{ headingPath: [title], blocks }];
}

/** Splits one over-long line into token windows, each within `max`. */
function splitLine(line: string, max: number): string[] {
  const ids = encodeTokens(line);
  const pieces: string[] = [];
  for (let start = 0; start < ids.length; start += max) {
    pieces.push(decodeTokens(ids.slice(start, start + max)));
  }
  return pieces;
}

/**
 * Splits a block too large for one chunk into pieces of whole lines (lines longer than the limit are split by
 * tokens). A code fence is re-opened and closed in every piece. Consecutive pieces overlap by trailing lines.
 */
function splitBlock(block: Block, options: ChunkOptions): string[] {
  let body = block.lines;
  let open = '';
  let close = '';
  if (block.kind === 'fence') {
    open = block.lines[0] ?? '```';
    const last = block.lines[block.lines.length - 1] ?? '';
    const closed = block.lines.length > 1 && isFenceClose(last, FENCE_OPEN.exec(open)?.[1] ?? '```');
    close = closed ? last : (FENCE_OPEN.exec(open)?.[1] ?? '```');
    body = block.lines.slice(1, closed ? -1 : undefined);
  }
  const wrapperCost = block.kind === 'fence' ? countTokens(`${open}\n`) + countTokens(`\n${close}`) + 2 : 0;
  const budget = Math.max(8, options.maxTokens - wrapperCost - 2);
  const units: { text: string; tokens: number }[] = [];
  for (const line of body) {
    const tokens = countTokens(line);
    if (tokens <= budget) units.push({ text: line, tokens });
    else for (const piece of splitLine(line, budget)) units.push({ text: piece, tokens: countTokens(piece) });
  }
  const pieces: string[] = [];
  let current: typeof units = [];
  let size = 0;
  const emit = () => {
    const inner = current.map((u) => u.text).join('\n');
    pieces.push(block.kind === 'fence' ? `${open}\n${inner}\n${close}` : inner);
  };
  for (const unit of units) {
    if (current.length > 0 && size + unit.tokens + 1 > budget) {
      emit();
      // Overlap: carry trailing lines of the piece just emitted, within the overlap budget.
      const carried: typeof units = [];
      let carriedSize = 0;
      for (let k = current.length - 1; k >= 0; k--) {
        const u = current[k];
        if (!u || carriedSize + u.tokens + 1 > options.overlapTokens || carried.length + 1 >= current.length)
          break;
        carried.unshift(u);
        carriedSize += u.tokens + 1;
      }
      current = carried;
      size = carriedSize;
      if (size + unit.tokens + 1 > budget) {
        current = [];
        size = 0;
      }
    }
    current.push(unit);
    size += unit.tokens + 1;
  }
  if (current.length > 0) emit();
  return pieces;
}

/** Packs a section's blocks into chunk texts within the limit. */
function packSection(section: Section, options: ChunkOptions): string[] {
  const budget = options.maxTokens - 2;
  const texts: string[] = [];
  let current: string[] = [];
  let size = 0;
  const emit = () => {
    if (current.length > 0) texts.push(current.join(JOIN));
    current = [];
    size = 0;
  };
  for (const block of section.blocks) {
    const text = block.lines.join('\n');
    const tokens = countTokens(text);
    if (tokens > budget) {
      emit();
      texts.push(...splitBlock(block, options));
      continue;
    }
    if (current.length > 0 && size + tokens + 2 > budget) {
      const previous = current[current.length - 1] ?? '';
      emit();
      // Overlap between chunks of one section: repeat the previous paragraph when it is short enough.
      const previousTokens = countTokens(previous);
      if (
        previousTokens <= options.overlapTokens &&
        previousTokens + tokens + 2 <= budget &&
        !previous.startsWith('#')
      ) {
        current.push(previous);
        size = previousTokens + 2;
      }
    }
    current.push(text);
    size += tokens + 2;
  }
  emit();
  return texts;
}

/** Guarantees the limit whatever the estimates above did at seams: cut anything still too long by tokens. */
function enforceLimit(text: string, max: number): string[] {
  if (countTokens(text) <= max) return [text];
  return splitLine(text, max).filter((piece) => piece.trim().length > 0);
}

export function chunkDocument(
  input: { title: string; content: string; documentType: DocumentType },
  options: ChunkOptions,
): Chunk[] {
  const content = input.content.replace(/\r\n?/g, '\n').trim();
  if (content.length === 0) return [];
  const lines = content.split('\n');
  const sections =
    input.documentType === 'markdown'
      ? markdownSections(input.title, lines)
      : plainSections(input.title, lines);
  const chunks: Chunk[] = [];
  for (const section of sections) {
    for (const packed of packSection(section, options)) {
      for (const text of enforceLimit(packed, options.maxTokens)) {
        if (text.trim().length === 0) continue;
        chunks.push({
          index: chunks.length,
          text,
          headingPath: section.headingPath,
          tokenCount: countTokens(text),
        });
      }
    }
  }
  return chunks;
}
