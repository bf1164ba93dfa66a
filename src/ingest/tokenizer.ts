import bpeRanks from 'gpt-tokenizer/bpeRanks/cl100k_base';
import {
  countTokens as libraryCount,
  decode as libraryDecode,
  encode as libraryEncode,
  isWithinTokenLimit as libraryWithinLimit,
} from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * cl100k_base token counting, so counts match the original service.
 *
 * Two deliberate departures from calling the library directly:
 *
 * - Documents are user text: special-token strings such as "<|endoftext|>" are counted as ordinary text (the
 *   library refuses them by default).
 * - The library's byte-pair merge is quadratic in the length of one pre-token (a run of letters, of
 *   punctuation or of whitespace), so a 100 KB line without spaces takes ~20 s and 100 KB of CJK ~90 s, which
 *   would let one document stall the server. Runs longer than {@link MAX_RUN_BYTES} are therefore tokenized
 *   in slices of that size. Natural text has no such runs, so its counts are exact; for pathological runs
 *   the count may differ from tiktoken's by about a token per slice.
 */

const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * Longest run, in UTF-8 bytes, handed to the byte-pair merge in one piece: at most a few milliseconds of
 * work, and longer than any run in natural text (aligned markdown tables pad with ~100 spaces or dashes).
 */
const MAX_RUN_BYTES = 256;
/** A run longer than this many code points may be longer than MAX_RUN_BYTES (4 bytes per code point). */
const MAX_RUN = MAX_RUN_BYTES / 4;
/**
 * Runs are matched in spans of at most RUN_SPAN code points: an unbounded repetition overflows V8's regexp stack
 * on a multi-megabyte run (a 6 MiB string of one letter threw RangeError). A longer run is simply several
 * consecutive matches, each sliced like any other.
 */
const RUN_SPAN = 1 << 16;
const LONG_RUN_SOURCE = `\\p{L}{${MAX_RUN + 1},${RUN_SPAN}}|[^\\s\\p{L}\\p{N}]{${MAX_RUN + 1},${RUN_SPAN}}|\\s{${MAX_RUN + 1},${RUN_SPAN}}`;
const HAS_LONG_RUN = new RegExp(LONG_RUN_SOURCE, 'u');

const LETTER = 1;
const SPACE = 2;
const DIGIT = 3;
const OTHER = 4;
/** Pre-token class of each ASCII character; anything else may be a letter, a space or "other". */
const ASCII_CLASS = Array.from({ length: 128 }, (_, code) => {
  const char = String.fromCharCode(code);
  if (/[A-Za-z]/.test(char)) return LETTER;
  if (/\s/.test(char)) return SPACE;
  if (/\d/.test(char)) return DIGIT;
  return OTHER;
});

/**
 * A cheap scan that rules out long runs for nearly all text, so the (slow) Unicode-property regex runs only
 * on the rest. Non-ASCII characters are taken to continue any run, which errs on the side of "maybe".
 */
function mayHaveLongRun(text: string): boolean {
  if (text.length <= MAX_RUN) return false;
  let run = 0;
  let runClass = 0;
  let nonAsciiTail = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const charClass = code < 128 ? (ASCII_CLASS[code] ?? OTHER) : 0;
    if (charClass === 0) {
      run += 1;
      nonAsciiTail += 1;
    } else if (charClass === DIGIT) {
      // Digits are tokenized in groups of three: they end every run.
      run = 0;
      runClass = 0;
      nonAsciiTail = 0;
    } else {
      run = runClass === 0 || runClass === charClass ? run + 1 : nonAsciiTail + 1;
      runClass = charClass;
      nonAsciiTail = 0;
    }
    if (run > MAX_RUN) return true;
  }
  return false;
}

/** A run cut into slices of at most MAX_RUN_BYTES, between code points. */
function sliceRun(run: string, into: string[]): void {
  let sliceStart = 0;
  let bytes = 0;
  for (let i = 0; i < run.length; ) {
    const codePoint = run.codePointAt(i) ?? 0;
    const width = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    if (bytes + width > MAX_RUN_BYTES) {
      into.push(run.slice(sliceStart, i));
      sliceStart = i;
      bytes = 0;
    }
    bytes += width;
    i += codePoint > 0xffff ? 2 : 1;
  }
  into.push(run.slice(sliceStart));
}

/** The text as pieces that are safe to tokenize one by one (usually just the text itself). */
function safePieces(text: string): string[] {
  if (!mayHaveLongRun(text) || !HAS_LONG_RUN.test(text)) return [text];
  const pieces: string[] = [];
  let done = 0;
  for (const match of text.matchAll(new RegExp(LONG_RUN_SOURCE, 'gu'))) {
    const run = match[0];
    if (Buffer.byteLength(run) <= MAX_RUN_BYTES) continue;
    if (match.index > done) pieces.push(text.slice(done, match.index));
    sliceRun(run, pieces);
    done = match.index + run.length;
  }
  if (done < text.length) pieces.push(text.slice(done));
  return pieces;
}

/**
 * Whether the text has a run that may be tokenized in slices (see above). Counting such text in parts can
 * differ from counting it whole, so the chunker counts text that contains one directly.
 */
export function hasLongRun(text: string): boolean {
  return mayHaveLongRun(text) && HAS_LONG_RUN.test(text);
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  let total = 0;
  for (const piece of safePieces(text)) total += libraryCount(piece, PLAIN);
  return total;
}

/**
 * The longest cl100k token, in UTF-8 bytes. A UTF-16 code unit is at least one UTF-8 byte, so a text has at
 * least `text.length / MAX_TOKEN_BYTES` tokens.
 */
const MAX_TOKEN_BYTES = 128;

/**
 * The token count if it is at most `limit`, else false; stops encoding as soon as the limit is passed, and a
 * text too long to fit at all (say 6 MB against a limit of 8192) is refused without being encoded.
 */
export function withinTokenLimit(text: string, limit: number): number | false {
  if (text.length > limit * MAX_TOKEN_BYTES) return false;
  let total = 0;
  for (const piece of safePieces(text)) {
    const count = libraryWithinLimit(piece, limit - total, PLAIN);
    if (count === false) return false;
    total += count;
  }
  return total;
}

export function encodeTokens(text: string): number[] {
  if (text.length === 0) return [];
  const pieces = safePieces(text);
  if (pieces.length === 1) return libraryEncode(text, PLAIN);
  const ids: number[] = [];
  for (const piece of pieces) {
    for (const id of libraryEncode(piece, PLAIN)) ids.push(id);
  }
  return ids;
}

const utf8 = new TextDecoder();

/**
 * Token ids back to text. Not the library's `decode`: that one feeds a module-wide streaming TextDecoder,
 * so decoding ids that end inside a multi-byte character leaves bytes behind that corrupt the start of the
 * *next* decode anywhere in the process. Here every call is self-contained; an incomplete character at
 * either end becomes U+FFFD, as a plain UTF-8 decode would give.
 */
export function decodeTokens(ids: readonly number[]): string {
  let text = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    text += utf8.decode(Uint8Array.from(pending));
    pending = [];
  };
  for (const id of ids) {
    const value = bpeRanks[id];
    if (typeof value === 'string') {
      flush();
      text += value;
    } else if (value !== undefined) {
      for (const byte of value) pending.push(byte);
    } else {
      // Special tokens (never produced by encodeTokens) decode to their literal text.
      flush();
      text += libraryDecode([id]);
    }
  }
  flush();
  return text;
}

/**
 * Whether cutting `ids` before index `at` falls between two characters rather than inside one: the token at
 * `at` must not start with a UTF-8 continuation byte. Tokens stored as strings always hold whole characters.
 */
export function isCharBoundary(ids: readonly number[], at: number): boolean {
  if (at <= 0 || at >= ids.length) return true;
  const id = ids[at];
  if (id === undefined) return true;
  const value = bpeRanks[id];
  if (value === undefined || typeof value === 'string') return true;
  const first = value[0];
  return first === undefined || (first & 0xc0) !== 0x80;
}

/** The longest prefix of `text` within `maxTokens`, cut between characters (never inside one). */
export function truncateToTokens(text: string, maxTokens: number): string {
  if (maxTokens <= 0) return '';
  if (withinTokenLimit(text, maxTokens) !== false) return text;
  // Encode only a window big enough to hold the budget, not a possibly huge whole text.
  let end = Math.min(text.length, maxTokens * 8);
  while (end < text.length && countTokens(text.slice(0, end)) <= maxTokens) {
    end = Math.min(text.length, end * 2);
  }
  // Never end the window between the two halves of a surrogate pair.
  if (end < text.length && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  const ids = encodeTokens(text.slice(0, end));
  let cut = Math.min(maxTokens, ids.length);
  while (cut > 0) {
    if (isCharBoundary(ids, cut)) {
      const prefix = decodeTokens(ids.slice(0, cut));
      // Re-encoding a prefix on its own can, rarely, take more tokens than it did inside the text.
      if (text.startsWith(prefix) && countTokens(prefix) <= maxTokens) return prefix;
    }
    cut -= 1;
  }
  return '';
}
