import { breakTokens } from './joins.js';
import { countTokens, hasLongRun } from './tokenizer.js';

/**
 * Every line of a document is tokenized once; the count of any run of lines is then exact arithmetic
 * (joins.ts: the lines' counts plus what each line break adds), so packing never re-tokenizes text.
 */
export interface LineCounts {
  /** Tokens of each line; 0 for blank lines. */
  tokens: number[];
  /**
   * Tokens added by the line break (with any blank lines) between a non-blank line and the non-blank line
   * before it; 0 for blank lines and the first line.
   */
  breaks: number[];
  /** Lines whose count does not add up exactly (a very long run at their edge; see joins.ts). */
  inexact: boolean[];
}

export const isBlank = (line: string): boolean => line.trim() === '';

/** The text that joins line `line` to the non-blank line `previous` before it: a newline and blank lines. */
export function separator(lines: string[], previous: number, line: number): string {
  let sep = '\n';
  for (let k = previous + 1; k < line; k++) sep += `${lines[k] ?? ''}\n`;
  return sep;
}

export function countLines(lines: string[]): LineCounts {
  const tokens: number[] = [];
  const breaks: number[] = [];
  const inexact: boolean[] = [];
  let previous = -1;
  lines.forEach((line, i) => {
    if (isBlank(line)) {
      tokens.push(0);
      breaks.push(0);
      inexact.push(false);
      return;
    }
    const lineTokens = countTokens(line);
    tokens.push(lineTokens);
    let unsafe = hasLongRun(line);
    if (previous >= 0) {
      const sep = separator(lines, previous, i);
      breaks.push(breakTokens(lines[previous] ?? '', tokens[previous] ?? 0, sep));
      unsafe ||= hasLongRun(sep);
    } else {
      breaks.push(0);
    }
    inexact.push(unsafe);
    previous = i;
  });
  return { tokens, breaks, inexact };
}
