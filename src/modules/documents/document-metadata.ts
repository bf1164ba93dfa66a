import { isDeepStrictEqual } from 'node:util';
import { tooLarge } from '../../errors.js';
import type { FrontMatter } from '../../ingest/front-matter.js';
import { MAX_METADATA_BYTES } from './documents.schemas.js';

/**
 * A document's stored metadata is its front matter overlaid by the metadata given through the API (a shallow
 * merge: an API key replaces the front matter key of the same name). Only the merged object is stored, so the
 * API part is recovered when needed by taking away what the front matter set and still holds.
 */

type Metadata = Record<string, unknown>;

/** The metadata to store: front matter keys, replaced by `given` keys of the same name. */
export function mergeMetadata(frontMatter: FrontMatter | undefined, given: Metadata): Metadata {
  const merged = frontMatter ? { ...frontMatter.data, ...given } : given;
  const bytes = Buffer.byteLength(JSON.stringify(merged), 'utf8');
  if (bytes > MAX_METADATA_BYTES) {
    throw tooLarge(
      'METADATA_TOO_LARGE',
      `Metadata with the front matter is ${bytes} bytes as JSON; the limit is ${MAX_METADATA_BYTES} bytes`,
    );
  }
  return merged;
}

/**
 * The part of stored metadata that did not come from `frontMatter` (the document's current front matter):
 * keys it set with the value it set are taken away; a key given through the API with another value stays.
 */
export function givenMetadata(stored: Metadata, frontMatter: FrontMatter | undefined): Metadata {
  if (!frontMatter) return stored;
  const data = frontMatter.data;
  return Object.fromEntries(
    Object.entries(stored).filter(
      ([key, value]) => !(Object.hasOwn(data, key) && isDeepStrictEqual(value, data[key])),
    ),
  );
}
