import { countTokens, decodeTokens, encodeTokens, isCharBoundary } from './tokenizer.js';

export interface Piece {
  text: string;
  tokens: number;
}

/**
 * Cuts text that has no better place to split (one over-long line) into pieces of at most `maxTokens` tokens.
 * Consecutive pieces share about `overlapTokens` tokens, so a word cut at one boundary is whole in one of the
 * two pieces. Cuts fall between characters, never inside a multi-byte one, so every piece is clean text and
 * the pieces, minus their overlaps, concatenate back to the input.
 */
export function splitByTokens(text: string, maxTokens: number, overlapTokens: number): Piece[] {
  const max = Math.max(1, Math.floor(maxTokens));
  const ids = encodeTokens(text);
  if (ids.length <= max) return [{ text, tokens: ids.length }];
  const overlap = Math.max(0, Math.min(Math.floor(overlapTokens), Math.floor(max / 2)));
  const pieces: Piece[] = [];
  let start = 0;
  while (start < ids.length) {
    let end = Math.min(ids.length, start + max);
    let piece: Piece | undefined;
    for (; end > start; end -= 1) {
      if (!isCharBoundary(ids, end)) continue;
      const candidate = decodeTokens(ids.slice(start, end));
      // On its own a piece can take a token more than it did inside the line; then cut a little earlier.
      const tokens = countTokens(candidate);
      if (tokens <= max) {
        piece = { text: candidate, tokens };
        break;
      }
    }
    if (!piece) {
      // No clean cut within the budget (a run of tokens that each straddle two characters): fall back to
      // cutting by characters, which always can.
      return [...pieces, ...splitByCharacters(decodeTokens(ids.slice(start)), max)];
    }
    pieces.push(piece);
    if (end >= ids.length) break;
    let next = Math.max(start + 1, end - overlap);
    while (next < end && !isCharBoundary(ids, next)) next += 1;
    start = next;
  }
  return pieces;
}

/** Longest-prefix cuts by code points, found by binary search on the token count. Slow; a last resort. */
export function splitByCharacters(text: string, maxTokens: number): Piece[] {
  const codePoints = Array.from(text);
  const pieces: Piece[] = [];
  let start = 0;
  while (start < codePoints.length) {
    let low = start + 1;
    let high = codePoints.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (countTokens(codePoints.slice(start, mid).join('')) <= maxTokens) low = mid;
      else high = mid - 1;
    }
    const piece = codePoints.slice(start, low).join('');
    pieces.push({ text: piece, tokens: countTokens(piece) });
    start = low;
  }
  return pieces;
}
