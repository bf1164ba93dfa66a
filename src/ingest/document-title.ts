/* No Node imports: the web UI's upload titles its files with this too, so every way in follows one rule. */
import type { DocumentType } from './document-types.js';
import { firstHeading } from './first-heading.js';
import type { FrontMatter } from './front-matter.js';

export const TITLE_MAX_LENGTH = 500;

export interface TitleSources {
  /** Given by the caller; wins whenever it is not blank. */
  title?: string | undefined;
  content: string;
  documentType: DocumentType;
  /** The content's front matter (frontMatterOf), read once by the caller. */
  frontMatter: FrontMatter | undefined;
  /** The last resort, such as a file name. */
  fallback?: string | undefined;
}

/** Front matter `title:` as a one-line title (cut to TITLE_MAX_LENGTH), if it is a non-blank string or number. */
export function frontMatterTitle(frontMatter: FrontMatter | undefined): string | undefined {
  const value = frontMatter?.data.title;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return cut(String(value).replace(/\s+/g, ' ').trim()) || undefined;
}

/** At most TITLE_MAX_LENGTH UTF-16 units, never ending in half a surrogate pair (it could not be stored). */
function cut(title: string): string {
  const head = title.slice(0, TITLE_MAX_LENGTH);
  return /[\ud800-\udbff]$/.test(head) ? head.slice(0, -1) : head;
}

/**
 * A document's title: the explicit one, else front matter `title:`, else the first markdown heading, else the
 * fallback; undefined when none of them gives one. Derived titles are cut to TITLE_MAX_LENGTH.
 */
export function chooseTitle(sources: TitleSources): string | undefined {
  const explicit = sources.title?.trim();
  if (explicit) return explicit;
  const derived =
    frontMatterTitle(sources.frontMatter) ??
    (sources.documentType === 'markdown' ? firstHeading(sources.content) : undefined) ??
    (sources.fallback?.trim() || undefined);
  return derived === undefined ? undefined : cut(derived);
}
