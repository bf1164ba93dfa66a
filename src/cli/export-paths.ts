import { BY_EXTENSION, type DocumentType, documentTypeFromPath } from '../ingest/document-types.js';
import { isSkippedName } from './folder-rules.js';

/** Longest file or folder name most file systems take, in UTF-8 bytes. */
const MAX_NAME_BYTES = 255;
const MAX_PATH_LENGTH = 1024;
/** Separators and what Windows and macOS refuse in a name (controls are checked by code, see isControl). */
const UNSAFE_PUNCTUATION = '\\/:*?"<>|';

/** C0 controls (NUL included) and DEL. */
function isControl(character: string): boolean {
  const code = character.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

const hasControl = (text: string) => Array.from(text).some(isControl);

/**
 * A recorded relative path as segments, if writing it inside the export folder is safe and `ainstruct import`
 * would read it back: relative, no `.`/`..` or empty segment, no NUL, control or backslash, no hidden or
 * skipped folder (import would pass over it), a name of at most 255 bytes, and an extension import knows.
 */
export function safeRecordedPath(recorded: string | null): string[] | undefined {
  if (recorded === null || recorded.length === 0 || recorded.length > MAX_PATH_LENGTH) return undefined;
  if (recorded.startsWith('/') || recorded.includes('\\') || hasControl(recorded)) return undefined;
  const segments = recorded.split('/');
  const safe = segments.every(
    (segment) =>
      segment.length > 0 &&
      segment !== '.' &&
      segment !== '..' &&
      !isSkippedName(segment) &&
      Buffer.byteLength(segment) <= MAX_NAME_BYTES,
  );
  return safe && documentTypeFromPath(recorded) !== undefined ? segments : undefined;
}

/** The extension a document type is written with (one import maps back to the type). */
export function extensionFor(type: DocumentType): string {
  if (type === 'angular') return '.component.html';
  for (const [extension, mapped] of BY_EXTENSION) if (mapped === type) return extension;
  return '.txt';
}

/**
 * A title as a file name stem: unsafe characters replaced, no leading dot, at most 70 UTF-16 units (at most 210
 * bytes, leaving room for a number and the extension).
 */
export function titleStem(title: string): string {
  let stem = Array.from(title, (c) => (isControl(c) || UNSAFE_PUNCTUATION.includes(c) ? '_' : c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '');
  stem = stem.slice(0, 70);
  if (/[\ud800-\udbff]$/.test(stem)) stem = stem.slice(0, -1);
  stem = stem.replace(/[.\s]+$/, '');
  return stem || 'document';
}

/**
 * Chooses each exported document's file, relative to the export folder: its recorded path when safe and free,
 * else its title with its type's extension at the top, numbered when taken. Names are compared ignoring case,
 * so an export unpacks the same on case-insensitive file systems; a file never takes a folder's name or the
 * other way round.
 */
export class ExportPaths {
  private readonly files = new Set<string>();
  private readonly folders = new Set<string>();

  choose(document: { title: string; document_type: DocumentType; path: string | null }): string {
    const recorded = safeRecordedPath(document.path);
    if (recorded && this.free(recorded)) return this.take(recorded);
    const stem = titleStem(document.title);
    const extension = extensionFor(document.document_type);
    for (let n = 1; ; n++) {
      const name = n === 1 ? `${stem}${extension}` : `${stem} (${n})${extension}`;
      if (this.free([name])) return this.take([name]);
    }
  }

  private free(segments: string[]): boolean {
    const key = segments.join('/').toLowerCase();
    if (this.files.has(key) || this.folders.has(key)) return false;
    for (let i = 1; i < segments.length; i++) {
      if (this.files.has(segments.slice(0, i).join('/').toLowerCase())) return false;
    }
    return true;
  }

  private take(segments: string[]): string {
    this.files.add(segments.join('/').toLowerCase());
    for (let i = 1; i < segments.length; i++) this.folders.add(segments.slice(0, i).join('/').toLowerCase());
    return segments.join('/');
  }
}
