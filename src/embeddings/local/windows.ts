/**
 * Pure helpers that prepare text for the Universal Sentence Encoder lite: whitespace clean-up,
 * tokenizer-friendly segmentation and the sliding windows that let a 128-token model read a longer text.
 */

/**
 * The model ignores every token after the 128th (measured: appending text past it leaves the vector
 * unchanged).
 */
export const MODEL_MAX_TOKENS = 128;

export interface WindowOptions {
  /** Tokens per window; at most MODEL_MAX_TOKENS. */
  size: number;
  /** Tokens shared by neighbouring windows, so a sentence cut by a window edge is still read whole once. */
  overlap: number;
  /** Upper bound on windows per text; longer texts are sampled at evenly spaced windows instead. */
  maxWindows: number;
}

export const DEFAULT_WINDOW_OPTIONS: WindowOptions = { size: MODEL_MAX_TOKENS, overlap: 16, maxWindows: 32 };

export interface TokenWindow {
  start: number;
  end: number;
  /** Share of the text this window stands for, used to weight its vector in the average. */
  weight: number;
}

/**
 * Collapses every whitespace run to one space and trims. The model's tokenizer only treats ' ' as a word
 * separator: a newline or tab becomes the unknown token, which adds noise to every markdown chunk.
 */
export function cleanText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Splits cleaned text into space-separated pieces of roughly `targetChars`, cutting only at spaces (and
 * inside words longer than `targetChars`). The bundled tokenizer is quadratic in its input length (it slices
 * the rest of the string at every character), 330 ms for a 2,000-word text; encoding pieces and concatenating
 * the token ids gives the same ids, because no vocabulary entry contains the word separator except at its
 * start.
 */
export function segmentText(text: string, targetChars = 256): string[] {
  const segments: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (word === '') continue;
    if (word.length > targetChars) {
      if (current !== '') segments.push(current);
      current = '';
      for (let i = 0; i < word.length; i += targetChars) segments.push(word.slice(i, i + targetChars));
      continue;
    }
    if (current !== '' && current.length + 1 + word.length > targetChars) {
      segments.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') segments.push(current);
  return segments;
}

/**
 * Plans the windows for a text of `tokenCount` tokens. Windows advance by `size - overlap`; the last one is
 * aligned to the end of the text so that it is full rather than a short tail. Each window's weight is the
 * number of tokens it adds beyond its predecessor, so the weighted average counts every part of the text
 * about equally.
 */
export function planWindows(
  tokenCount: number,
  options: WindowOptions = DEFAULT_WINDOW_OPTIONS,
): TokenWindow[] {
  const size = Math.max(1, Math.min(options.size, MODEL_MAX_TOKENS));
  const overlap = Math.max(0, Math.min(options.overlap, size - 1));
  const stride = size - overlap;
  if (tokenCount <= size) return [{ start: 0, end: Math.max(tokenCount, 0), weight: 1 }];

  const starts: number[] = [];
  for (let start = 0; start + size < tokenCount; start += stride) starts.push(start);
  starts.push(tokenCount - size);

  let picked = starts;
  const maxWindows = Math.max(1, Math.floor(options.maxWindows));
  if (starts.length > maxWindows) {
    // Sampling evenly (always keeping the first and last window) keeps the cost bounded while the vector
    // still reflects the whole text rather than only its beginning.
    picked = [];
    for (let i = 0; i < maxWindows; i++) {
      const at = maxWindows === 1 ? 0 : Math.round((i * (starts.length - 1)) / (maxWindows - 1));
      picked.push(starts[at] ?? 0);
    }
  }

  const windows: TokenWindow[] = [];
  let coveredUntil = 0;
  for (const start of picked) {
    const end = start + size;
    windows.push({ start, end, weight: Math.max(1, end - Math.max(start, coveredUntil)) });
    coveredUntil = end;
  }
  return windows;
}
