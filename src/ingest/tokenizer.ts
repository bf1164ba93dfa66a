import { countTokens as count, decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * cl100k_base token counting, so counts match the original. Documents are user text: special-token strings such
 * as "<|endoftext|>" are ordinary text here (the library refuses them by default).
 */
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * BPE is quadratic in the length of a single word, so a long run without whitespace (a minified file, a base64
 * blob, a hostile 5 MB "word") is encoded in slices of this many characters. Counts differ from a whole-word
 * encoding only inside such runs, by a token per slice at most.
 */
const MAX_RUN = 1000;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}`, 'g');

function slices(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    const start = match.index;
    if (start > last) parts.push(text.slice(last, start));
    const end = start + match[0].length;
    for (let at = start; at < end; at += MAX_RUN) parts.push(text.slice(at, Math.min(end, at + MAX_RUN)));
    last = end;
  }
  if (last < text.length || parts.length === 0) parts.push(text.slice(last));
  return parts;
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let total = 0;
  for (const part of slices(text)) total += count(part, PLAIN);
  return total;
}

export function encodeTokens(text: string): number[] {
  return slices(text).flatMap((part) => encode(part, PLAIN));
}

export function decodeTokens(ids: readonly number[]): string {
  return decode(ids);
}

/**
 * The longest prefix of `text` within `maxTokens`. Cutting between tokens can split a multi-byte character;
 * such a dangling replacement character is dropped so the result is clean text.
 */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  const ids = encodeTokens(text);
  if (ids.length <= maxTokens) return text;
  let cut = maxTokens;
  let prefix = decodeTokens(ids.slice(0, cut));
  while (prefix.endsWith('\uFFFD') && cut > 0) {
    cut -= 1;
    prefix = decodeTokens(ids.slice(0, cut));
  }
  return prefix;
}
