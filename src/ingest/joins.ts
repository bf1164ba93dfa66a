import { countTokens } from './tokenizer.js';

/**
 * Exact token counts of joined lines, without tokenizing the joined text again.
 *
 * gpt-tokenizer splits cl100k text into pre-tokens before merging bytes, and no pre-token runs past the last
 * newline of a line break: one holding a newline is either whitespace that ends at a newline (`\s*[\r\n]`) or
 * punctuation followed by newlines. So for a break `sep` ending in '\n',
 *
 *   count(a + sep + b) = count(a + sep) + count(b),
 *
 * and count(a + sep) differs from count(a) only through a's last pre-token: a letter followed by a
 * non-letter, a digit by a non-digit, or a non-space by a space always ends a pre-token, so only the text
 * after the last such place (a's "tail") needs counting again with the break. A chunk's count is then the
 * sum of its lines' counts and of what each break adds. Text with very long runs is tokenized in slices
 * (tokenizer.ts), which this reasoning does not cover; callers count such text directly. The tests check
 * the sums against real counts line by line.
 */

const LETTER = 1;
const DIGIT = 2;
const SPACE = 3;
const OTHER = 4;

const classCache = new Map<number, number>();
function classOf(codePoint: number): number {
  let cached = classCache.get(codePoint);
  if (cached === undefined) {
    const char = String.fromCodePoint(codePoint);
    if (/\p{L}/u.test(char)) cached = LETTER;
    else if (/\p{N}/u.test(char)) cached = DIGIT;
    else if (/\s/u.test(char)) cached = SPACE;
    else cached = OTHER;
    if (classCache.size < 10_000) classCache.set(codePoint, cached);
  }
  return cached;
}

/** Whether a pre-token always ends between characters of these classes (the right one not a newline). */
function endsPreToken(left: number, right: number, rightChar: number): boolean {
  if (left === LETTER) return right !== LETTER;
  if (left === DIGIT) return right !== DIGIT;
  return left !== SPACE && right === SPACE && rightChar !== 0x0a && rightChar !== 0x0d;
}

/** The code point that ends at index `end`, and where it starts. */
function codePointBefore(text: string, end: number): [number, number] {
  const low = text.charCodeAt(end - 1);
  if (low >= 0xdc00 && low <= 0xdfff && end >= 2) {
    const high = text.charCodeAt(end - 2);
    if (high >= 0xd800 && high <= 0xdbff)
      return [(high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000, end - 2];
  }
  return [low, end - 1];
}

/** Start of the text after the last place a pre-token must end (0 if there is none). */
export function tailStart(text: string): number {
  if (text.length === 0) return 0;
  let [right, rightStart] = codePointBefore(text, text.length);
  while (rightStart > 0) {
    const [left, leftStart] = codePointBefore(text, rightStart);
    if (endsPreToken(classOf(left), classOf(right), right)) return rightStart;
    right = left;
    rightStart = leftStart;
  }
  return 0;
}

/** Short strings (words, line ends) recur constantly; their counts are cached. */
const shortCounts = new Map<string, number>();
const SHORT = 48;
function countShort(text: string): number {
  if (text.length > SHORT) return countTokens(text);
  let tokens = shortCounts.get(text);
  if (tokens === undefined) {
    tokens = countTokens(text);
    if (shortCounts.size >= 200_000) shortCounts.clear();
    shortCounts.set(text, tokens);
  }
  return tokens;
}

/** Tokens that `sep` (a line break, ending in '\n') adds after `text`, whose own count is `tokens`. */
export function breakTokens(text: string, tokens: number, sep: string): number {
  const start = tailStart(text);
  const tail = start === 0 ? text : text.slice(start);
  const tailTokens = start === 0 ? tokens : countShort(tail);
  return countShort(tail + sep) - tailTokens;
}
