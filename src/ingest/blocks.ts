/**
 * Splits a document's lines into blocks: the units the chunker keeps whole whenever they fit. Blank lines
 * separate blocks and belong to none; a block is the half-open line range [start, end).
 */

export type BlockKind = 'heading' | 'fence' | 'table' | 'frontmatter' | 'text';

export interface Block {
  kind: BlockKind;
  start: number;
  end: number;
  /** Heading blocks only. */
  heading?: { level: number; text: string };
  /** Fence blocks only: whether the block ends with its closing line, and a line that would close it. */
  fence?: { closed: boolean; closer: string };
  /** Table blocks only: leading lines (header row and delimiter row) that make a continuation a table. */
  headerLines?: number;
}

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
/** Lines that cannot be the text of a setext heading: list items, quotes, indented code, HTML. */
const NOT_SETEXT_TEXT = /^(?: {4}|\t| {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)| {0,3}[>|<])/;
const TABLE_ROW = /^ {0,3}\|/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const FRONTMATTER_OPEN = /^---[ \t]*$/;
const FRONTMATTER_CLOSE = /^(?:---|\.\.\.)[ \t]*$/;
const FRONTMATTER_MAX_LINES = 200;
const YAML_KEY = /^[\w"'-][^:]*:(?:[ \t]|$)/;

const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === '';

/** An ATX heading (`## Text`), or undefined. Headings need text: a bare `#` or `#tag` is not one. */
export function atxHeading(line: string): { level: number; text: string } | undefined {
  const match = ATX_HEADING.exec(line);
  const marks = match?.[1];
  const text = match?.[2]?.trim();
  if (!marks || !text) return undefined;
  return { level: marks.length, text };
}

interface FenceOpen {
  char: string;
  length: number;
  indent: string;
}

function fenceOpen(line: string): FenceOpen | undefined {
  const match = FENCE_OPEN.exec(line);
  const marker = match?.[2];
  if (!match || !marker) return undefined;
  // A backtick fence's info string may not contain backticks (that is inline code, not a fence).
  if (marker.startsWith('`') && (match[3] ?? '').includes('`')) return undefined;
  return { char: marker.charAt(0), length: marker.length, indent: match[1] ?? '' };
}

function closesFence(line: string, open: FenceOpen): boolean {
  const marker = FENCE_CLOSE.exec(line)?.[1];
  return marker !== undefined && marker.charAt(0) === open.char && marker.length >= open.length;
}

function isDelimiterRow(line: string): boolean {
  return line.includes('|') && TABLE_DELIMITER.test(line);
}

/** A single-line setext heading (`Title` underlined by `===` or `---`) starting at `i`, or undefined. */
function setextHeading(lines: string[], i: number): { level: number; text: string } | undefined {
  const line = lines[i] ?? '';
  const underline = SETEXT_UNDERLINE.exec(lines[i + 1] ?? '')?.[1];
  if (!underline || NOT_SETEXT_TEXT.test(line) || THEMATIC_BREAK.test(line) || SETEXT_UNDERLINE.test(line)) {
    return undefined;
  }
  return { level: underline.startsWith('=') ? 1 : 2, text: line.trim() };
}

/**
 * The number of lines of a YAML front matter block (`---`, `key: value` lines, `---`), or 0. Kept whole so
 * that its `---` is not read as a setext underline; a document that merely starts with a thematic break is
 * not mistaken for one because its first line must look like a YAML key and it must close early.
 */
function frontmatterLength(lines: string[]): number {
  if (!FRONTMATTER_OPEN.test(lines[0] ?? '') || !YAML_KEY.test(lines[1] ?? '')) return 0;
  for (let k = 2; k < Math.min(lines.length, FRONTMATTER_MAX_LINES); k++) {
    const line = lines[k] ?? '';
    if (FRONTMATTER_CLOSE.test(line)) return k + 1;
    if (fenceOpen(line)) return 0;
  }
  return 0;
}

/**
 * Markdown blocks. A fence runs to its matching closing fence (same character, at least as long) or, if
 * unclosed, to the end of the document, and nothing inside it is a heading. A table is a run of lines
 * starting with `|`, or a GFM table (a header row followed by a delimiter row) up to the next blank line.
 */
export function markdownBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  const frontmatterEnd = frontmatterLength(lines);
  if (frontmatterEnd > 0) {
    blocks.push({ kind: 'frontmatter', start: 0, end: frontmatterEnd });
    i = frontmatterEnd;
  }
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      i += 1;
      continue;
    }
    const open = fenceOpen(line);
    if (open) {
      let end = i + 1;
      while (end < lines.length && !closesFence(lines[end] ?? '', open)) end += 1;
      const closed = end < lines.length;
      const closer = closed ? (lines[end] ?? '') : open.indent + open.char.repeat(open.length);
      blocks.push({ kind: 'fence', start: i, end: closed ? end + 1 : end, fence: { closed, closer } });
      i = closed ? end + 1 : end;
      continue;
    }
    const heading = atxHeading(line);
    if (heading) {
      blocks.push({ kind: 'heading', start: i, end: i + 1, heading });
      i += 1;
      continue;
    }
    if (TABLE_ROW.test(line)) {
      let end = i + 1;
      while (end < lines.length && TABLE_ROW.test(lines[end] ?? '')) end += 1;
      const headerLines = end - i > 2 && isDelimiterRow(lines[i + 1] ?? '') ? 2 : 0;
      blocks.push({ kind: 'table', start: i, end, headerLines });
      i = end;
      continue;
    }
    if (line.includes('|') && isDelimiterRow(lines[i + 1] ?? '')) {
      let end = i + 2;
      while (end < lines.length && !isBlank(lines[end]) && !interruptsTable(lines[end] ?? '')) end += 1;
      blocks.push({ kind: 'table', start: i, end, headerLines: end - i > 2 ? 2 : 0 });
      i = end;
      continue;
    }
    const setext = setextHeading(lines, i);
    if (setext) {
      blocks.push({ kind: 'heading', start: i, end: i + 2, heading: setext });
      i += 2;
      continue;
    }
    let end = i + 1;
    while (end < lines.length && !isBlank(lines[end]) && !startsOtherBlock(lines[end] ?? '')) end += 1;
    blocks.push({ kind: 'text', start: i, end });
    i = end;
  }
  return blocks;
}

/** Lines that end a table without a blank line before them. */
function interruptsTable(line: string): boolean {
  return fenceOpen(line) !== undefined || atxHeading(line) !== undefined;
}

/** Lines that end a paragraph without a blank line before them. */
function startsOtherBlock(line: string): boolean {
  return interruptsTable(line) || TABLE_ROW.test(line);
}

/** Code and plain text: no headings, no fences; blank lines separate blocks. */
export function plainBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let start = -1;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && !isBlank(lines[i])) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      blocks.push({ kind: 'text', start, end: i });
      start = -1;
    }
  }
  return blocks;
}
