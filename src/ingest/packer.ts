import type { Block } from './blocks.js';
import { breakTokens } from './joins.js';
import { isBlank, type LineCounts, separator } from './line-counts.js';
import { type Piece, splitByTokens } from './split-tokens.js';
import { countTokens, hasLongRun } from './tokenizer.js';

/**
 * Packs one section's blocks into chunks.
 *
 * Blocks are added whole while they fit; a block that does not fit in the current chunk starts the next one.
 * Only a block too big for any chunk is cut, between lines (a line too long for any chunk is itself cut by
 * tokens), and it too starts a new chunk unless the current one holds little more than a heading. A code
 * fence cut this way is closed at the end of each piece and re-opened (with its info string) at the start of
 * the next; a table cut this way repeats its header rows; so each piece is valid markdown on its own.
 *
 * Each chunk after the first starts with up to `overlapTokens` of the previous chunk's last whole lines, as
 * long as the chunk stays within `maxTokens` (see overlapStart).
 *
 * Chunk sizes are exact sums of per-line counts (joins.ts), so packing is linear in the section and never
 * re-tokenizes. Only chunks holding text that cannot be summed exactly are counted for real.
 */

export interface PackOptions {
  maxTokens: number;
  overlapTokens: number;
}

/** Upper bound on what the '\n' before a fence's closing line adds to the line before it. */
const NEWLINE_ALLOWANCE = 2;

type Role = 'open' | 'inner' | 'close' | 'plain';

interface Row {
  text: string;
  tokens: number;
  /** What joins this row to the row before it in the document: a newline plus any blank lines. */
  sep: string;
  /** Tokens the separator adds after the row before it. */
  joinTokens: number;
  block: number;
  role: Role;
  /** A later piece of a cut line: it is never in the same chunk as the piece before it. */
  continuesLine: boolean;
  /** Counts involving this row do not add up exactly (see joins.ts). */
  inexact: boolean;
}

/** How a block cut across chunks is re-opened and closed. */
interface Wrap {
  prefix: string;
  /** Tokens of the prefix and the newline after it. */
  prefixTokens: number;
  suffix: string;
  suffixTokens: number;
  inexact: boolean;
}

interface Layout {
  rows: Row[];
  /** Row range of each block. */
  blockRows: { start: number; end: number }[];
  wraps: (Wrap | undefined)[];
}

function wrapFor(block: Block, lines: string[], maxTokens: number): Wrap | undefined {
  let prefix: string;
  let suffix = '';
  if (block.kind === 'fence' && block.fence) {
    prefix = lines[block.start] ?? '';
    suffix = block.fence.closer;
  } else if (block.kind === 'table' && block.headerLines) {
    prefix = lines.slice(block.start, block.start + block.headerLines).join('\n');
  } else {
    return undefined;
  }
  const prefixAlone = countTokens(prefix);
  const wrap = {
    prefix,
    prefixTokens: prefixAlone + breakTokens(prefix, prefixAlone, '\n'),
    suffix,
    suffixTokens: countTokens(suffix),
    inexact: hasLongRun(prefix) || hasLongRun(suffix),
  };
  // A huge fence line or table header would leave too little room for content: such a block is cut as plain
  // lines.
  return wrap.prefixTokens + wrap.suffixTokens + NEWLINE_ALLOWANCE <= maxTokens / 2 ? wrap : undefined;
}

function roleOf(block: Block, wrap: Wrap | undefined, line: number): Role {
  if (!wrap) return 'plain';
  if (block.kind === 'fence') {
    if (line === block.start) return 'open';
    return block.fence?.closed && line === block.end - 1 ? 'close' : 'inner';
  }
  return line < block.start + (block.headerLines ?? 0) ? 'open' : 'inner';
}

function layout(lines: string[], counts: LineCounts, blocks: Block[], options: PackOptions): Layout {
  const rows: Row[] = [];
  const blockRows: Layout['blockRows'] = [];
  const wraps: Layout['wraps'] = [];
  let previousLine = -1;
  let previousLineWasCut = false;
  blocks.forEach((block, b) => {
    const wrap = wrapFor(block, lines, options.maxTokens);
    wraps.push(wrap);
    // Room for one line of this block in a chunk that also re-opens and closes it.
    const lineBudget =
      options.maxTokens - (wrap ? wrap.prefixTokens + wrap.suffixTokens + NEWLINE_ALLOWANCE : 0);
    const start = rows.length;
    for (let line = block.start; line < block.end; line++) {
      const text = lines[line] ?? '';
      // Blank lines (between blocks, or inside a fence) are not rows: they travel in the separator before the
      // next row, so a chunk never starts or ends with one.
      if (isBlank(text)) continue;
      const sep = previousLine >= 0 ? separator(lines, previousLine, line) : '\n';
      const tokens = counts.tokens[line] ?? countTokens(text);
      const inexact = counts.inexact[line] ?? false;
      const role = roleOf(block, wrap, line);
      // Pieces of a cut line that are nothing but spaces carry nothing worth a chunk.
      const pieces: Piece[] =
        tokens <= lineBudget
          ? [{ text, tokens }]
          : splitByTokens(text, lineBudget, options.overlapTokens).filter((piece) => !isBlank(piece.text));
      const previous = rows[rows.length - 1];
      let joinTokens = 0;
      if (previous && !previousLineWasCut) joinTokens = counts.breaks[line] ?? 0;
      else if (previous) joinTokens = breakTokens(previous.text, previous.tokens, sep);
      pieces.forEach((piece, k) => {
        rows.push({
          text: piece.text,
          tokens: piece.tokens,
          sep: k === 0 ? sep : '',
          joinTokens: k === 0 ? joinTokens : 0,
          block: b,
          role,
          continuesLine: k > 0,
          inexact: inexact || (pieces.length > 1 && hasLongRun(piece.text)),
        });
      });
      previousLine = line;
      previousLineWasCut = pieces.length > 1;
    }
    blockRows.push({ start, end: rows.length });
  });
  return { rows, blockRows, wraps };
}

/** The chunks (text and exact token count) for one run of blocks, in order. */
export function packBlocks(
  lines: string[],
  counts: LineCounts,
  blocks: Block[],
  options: PackOptions,
): Piece[] {
  const { rows, blockRows, wraps } = layout(lines, counts, blocks, options);
  const max = options.maxTokens;
  const running = (value: (row: Row) => number) => {
    const sums = [0];
    for (const row of rows) sums.push((sums[sums.length - 1] ?? 0) + value(row));
    return sums;
  };
  const tokensBefore = running((row) => row.tokens);
  const joinsBefore = running((row) => row.joinTokens);
  const inexactBefore = running((row) => Number(row.inexact));
  const at = (sums: number[], k: number) => sums[k] ?? 0;
  const closingBreaks = new Map<number, number>();

  /** A chunk that starts inside a cut block re-opens it. */
  const reopens = (first: number): Wrap | undefined => {
    const row = rows[first];
    return row && (row.role === 'inner' || row.role === 'close') ? wraps[row.block] : undefined;
  };
  /** A chunk that ends inside a block that goes on in the next chunk closes it. */
  const closes = (last: number): Wrap | undefined => {
    const row = rows[last];
    const next = rows[last + 1];
    if (!row || !next || next.block !== row.block || (row.role !== 'open' && row.role !== 'inner')) {
      return undefined;
    }
    const wrap = wraps[row.block];
    return wrap && wrap.suffix !== '' ? wrap : undefined;
  };
  /** Tokens the '\n' before a closing fence line adds after row `last`. */
  const closingBreak = (last: number): number => {
    let tokens = closingBreaks.get(last);
    if (tokens === undefined) {
      const row = rows[last];
      tokens = row ? breakTokens(row.text, row.tokens, '\n') : 1;
      closingBreaks.set(last, tokens);
    }
    return tokens;
  };
  /** Tokens of rows [start, end) joined by their separators. */
  const rowsCost = (start: number, end: number): number =>
    at(tokensBefore, end) - at(tokensBefore, start) + at(joinsBefore, end) - at(joinsBefore, start + 1);
  /** Tokens of rows [start, end) as one chunk, re-opening and closing a cut block as needed. */
  const cost = (start: number, end: number): number => {
    const open = reopens(start);
    const close = closes(end - 1);
    return (
      rowsCost(start, end) +
      (open ? open.prefixTokens : 0) +
      (close ? closingBreak(end - 1) + close.suffixTokens : 0)
    );
  };
  const isExact = (start: number, end: number): boolean =>
    at(inexactBefore, end) === at(inexactBefore, start) &&
    !reopens(start)?.inexact &&
    !closes(end - 1)?.inexact;
  /** Whether a chunk may end before `row` (and the next begin at it): not between a block's opening rows. */
  const canCut = (row: number): boolean => {
    const current = rows[row];
    const previous = rows[row - 1];
    return !(current && previous?.role === 'open' && previous.block === current.block);
  };
  /** End of the smallest run from `row` that must stay together: a block's opening rows and the next row. */
  const unitEnd = (row: number): number => {
    let end = row + 1;
    while (end < rows.length && !canCut(end)) end += 1;
    return end;
  };
  /** Overlap may not start on a fence's closing line: the chunk would open with an empty fence. */
  const canStartOverlap = (row: number): boolean => canCut(row) && rows[row]?.role !== 'close';

  const render = (first: number, last: number): string => {
    const open = reopens(first);
    const close = closes(last - 1);
    let text = open ? `${open.prefix}\n` : '';
    for (let k = first; k < last; k++) {
      const row = rows[k];
      if (row) text += k === first ? row.text : row.sep + row.text;
    }
    return close ? `${text}\n${close.suffix}` : text;
  };

  const chunks: Piece[] = [];
  /** The current chunk is rows [start, end); rows before `fresh` repeat the previous chunk (overlap). */
  let start = 0;
  let end = 0;
  let fresh = 0;

  /** Drops leading overlap rows until rows up to `needEnd` fit (only while the chunk holds nothing else). */
  const makeRoom = (needEnd: number) => {
    while (start < fresh && cost(start, needEnd) > max) {
      start += 1;
      while (start < fresh && !canStartOverlap(start)) start += 1;
    }
  };

  /**
   * Where the chunk after a cut before row `cut` begins: up to `overlapTokens` of the previous chunk's last
   * whole lines. Cut inside a block, those are the block's lines before the cut (a fence or table re-opened).
   * Cut between blocks, only whole blocks are repeated (usually none): a fragment of the previous block, such
   * as the last lines of a function, would be context without its beginning. A cut line's pieces already
   * overlap by tokens.
   */
  const overlapStart = (cut: number): number => {
    const next = rows[cut];
    if (!next || next.continuesLine) return cut;
    const atBlockStart = rows[cut - 1]?.block !== next.block;
    let chosen = cut;
    for (let k = cut - 1; k > start && rowsCost(k, cut) <= options.overlapTokens; k--) {
      const row = rows[k];
      if (!row || (!atBlockStart && row.block !== next.block)) break;
      const startsBlock = rows[k - 1]?.block !== row.block;
      if (canStartOverlap(k) && (!atBlockStart || startsBlock)) chosen = k;
    }
    return chosen;
  };

  /**
   * Emits the current chunk. A chunk whose count is not exact is counted for real, and should it be over the
   * limit, loses its overlap and then whole units from its end (they start the next chunk instead).
   */
  const emit = (): number => {
    let last = end;
    const measure = () => (isExact(start, last) ? cost(start, last) : countTokens(render(start, last)));
    let tokens = measure();
    while (tokens > max) {
      if (start < fresh) {
        start = fresh;
      } else {
        let cut = last - 1;
        while (cut > fresh && !canCut(cut)) cut -= 1;
        if (cut <= fresh) break;
        last = cut;
      }
      tokens = measure();
    }
    const text = render(start, last);
    // One unit over the limit (possible only for inexact text): cut it by tokens rather than break the limit.
    if (tokens > max) chunks.push(...splitByTokens(text, max, 0));
    else chunks.push({ text, tokens });
    start = overlapStart(last);
    end = last;
    fresh = last;
    return last;
  };

  let pos = 0;
  while (pos < rows.length) {
    const row = rows[pos];
    const block = row ? blockRows[row.block] : undefined;
    if (block && pos === block.start && cost(block.start, block.end) <= max) {
      // A block that fits in a chunk is never cut: it joins this chunk or starts the next one.
      if (end === fresh) makeRoom(block.end);
      if (cost(start, block.end) <= max) {
        end = block.end;
        pos = end;
      } else {
        pos = emit();
      }
      continue;
    }
    // Inside a block too big for any chunk: add it unit by unit. It starts a chunk of its own, so its pieces
    // line up with chunk starts, unless the chunk so far is short (a heading, an introductory line): that
    // stays with the beginning of the block rather than be a chunk of its own.
    const stop = unitEnd(pos);
    const startsBigBlock = pos === block?.start && rowsCost(fresh, end) > max / 4;
    if (end === fresh) {
      makeRoom(stop);
      end = stop;
      pos = stop;
    } else if (startsBigBlock || cost(start, stop) > max || row?.continuesLine) {
      pos = emit();
    } else {
      end = stop;
      pos = stop;
    }
  }
  if (end > fresh) emit();
  return chunks;
}
