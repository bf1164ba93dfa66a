/** Shortest word worth marking: single letters would light up most of a chunk. */
const MIN_TERM_LENGTH = 2;
/** Common English endings; the keyword index stems words, so "migrations" also finds "migration". */
const ENDINGS = /(?:ing|ed|es|s)$/;
const MIN_STEM_LENGTH = 4;
const WORD = /[\p{L}\p{N}_]+/gu;

/** Drops one common ending, so the forms of a word compare equal. */
export function stem(word: string): string {
  const lower = word.toLowerCase();
  const stripped = lower.replace(ENDINGS, '');
  return stripped.length >= MIN_STEM_LENGTH ? stripped : lower;
}

/** The stems of a query's words, split like the keyword index splits them (on anything not a word character). */
export function queryTerms(query: string): Set<string> {
  const terms = new Set<string>();
  for (const [word] of query.matchAll(WORD)) {
    if (word.length >= MIN_TERM_LENGTH) terms.add(stem(word));
  }
  return terms;
}

export interface Segment {
  text: string;
  match: boolean;
}

/** Cuts text into runs, marking whole words whose stem is one of the query's. */
export function highlightSegments(text: string, terms: Set<string>): Segment[] {
  if (terms.size === 0) return [{ text, match: false }];
  const segments: Segment[] = [];
  let last = 0;
  for (const found of text.matchAll(WORD)) {
    const word = found[0];
    const start = found.index;
    if (!terms.has(stem(word))) continue;
    if (start > last) segments.push({ text: text.slice(last, start), match: false });
    segments.push({ text: word, match: true });
    last = start + word.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last), match: false });
  return segments;
}
