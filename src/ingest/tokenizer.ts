import { countTokens as count, decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * cl100k_base token counting, so counts match the original. Documents are user text: special-token strings such
 * as "<|endoftext|>" are ordinary text here (the library refuses them by default).
 */
const PLAIN = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : count(text, PLAIN);
}

export function encodeTokens(text: string): number[] {
  return encode(text, PLAIN);
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
