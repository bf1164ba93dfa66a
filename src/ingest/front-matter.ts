/* No Node imports: the web UI's upload titles its files with this too (document-title.ts). */
import { isMap, parseDocument } from 'yaml';
import { findUnstorableText } from '../validation/storable.js';
import type { DocumentType } from './document-types.js';

/**
 * YAML front matter: a block at the very start of a markdown document (after an optional byte order mark),
 * opened by a `---` line and closed by the next `---` or `...` line. It counts as front matter only if its
 * text is valid YAML whose top level is a mapping; anything else (a scalar, a list, invalid YAML, a block
 * too big or never closed) is ordinary content, so nothing the user wrote is dropped from the index.
 *
 * Hostile input is bounded: the closing line must come within FRONT_MATTER_MAX_BYTES, aliases are limited
 * (yaml's own check against "billion laughs" expansion), and the mapping as JSON must fit the same limit.
 * A mapping holding text PostgreSQL cannot store (U+0000, a lone surrogate) is not front matter either.
 */

/** Largest front matter read, and largest JSON it may turn into (the metadata limit, MAX_METADATA_BYTES). */
export const FRONT_MATTER_MAX_BYTES = 64 * 1024;
/** yaml's default; an alias may not make its anchor's nodes count for more than this. */
const MAX_ALIAS_COUNT = 100;

export interface FrontMatter {
  /** The mapping as plain JSON values (numbers, strings, booleans, null, arrays, objects). */
  data: Record<string, unknown>;
  /** Characters from the start of the content up to and including the closing line and its line break. */
  length: number;
}

const OPENING = /^\uFEFF?---[ \t]*\r?\n/;
const CLOSING = /^(?:---|\.\.\.)[ \t]*\r?$/;
const MAX_CLOSING_LINE = 256;

/** The text between the fences and the length of the whole block, or undefined if there is no block. */
function locate(content: string): { yaml: string; length: number } | undefined {
  const opening = OPENING.exec(content);
  if (!opening) return undefined;
  const start = opening[0].length;
  // Characters, not bytes: a cheap bound that is at least as generous; the JSON size is checked in bytes.
  const limit = Math.min(content.length, start + FRONT_MATTER_MAX_BYTES);
  let lineStart = start;
  while (lineStart <= limit) {
    const newline = content.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? content.length : newline;
    // A closing line is short; not copying long lines keeps a 5 MB one-line document cheap.
    if (lineEnd - lineStart <= MAX_CLOSING_LINE && CLOSING.test(content.slice(lineStart, lineEnd))) {
      return { yaml: content.slice(start, lineStart), length: newline < 0 ? lineEnd : newline + 1 };
    }
    if (newline < 0) return undefined;
    lineStart = newline + 1;
  }
  return undefined;
}

/** Plain JSON values of a YAML mapping's text, or undefined when it is not a valid mapping within limits. */
function parseMapping(yaml: string): Record<string, unknown> | undefined {
  try {
    // YAML 1.2 core schema: no timestamps, binary or custom tags (an unknown tag reads as its plain value).
    const document = parseDocument(yaml, { version: '1.2', schema: 'core', merge: false, uniqueKeys: true });
    if (document.errors.length > 0 || !isMap(document.contents)) return undefined;
    const value: unknown = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    // A JSON round trip leaves only JSON values (a Date becomes its ISO string, NaN and Infinity null) and
    // measures the size; aliases are shared objects until here, so this is where expansion would show.
    const json = JSON.stringify(value);
    if (json === undefined || new TextEncoder().encode(json).length > FRONT_MATTER_MAX_BYTES)
      return undefined;
    const data = JSON.parse(json) as Record<string, unknown>;
    // YAML escapes can spell what PostgreSQL cannot store ("\0", a lone "\uD800") in text that has neither.
    return findUnstorableText(data).length > 0 ? undefined : data;
  } catch {
    // Too many aliases (ReferenceError) or nesting deeper than the stack (RangeError): not front matter.
    return undefined;
  }
}

/** The front matter the content starts with, or undefined. Callers apply it to markdown only. */
export function readFrontMatter(content: string): FrontMatter | undefined {
  const block = locate(content);
  if (!block) return undefined;
  const data = parseMapping(block.yaml);
  return data ? { data, length: block.length } : undefined;
}

/** Front matter as the product applies it: markdown only (in YAML, say, a leading `---` is YAML itself). */
export function frontMatterOf(content: string, documentType: DocumentType): FrontMatter | undefined {
  return documentType === 'markdown' ? readFrontMatter(content) : undefined;
}
