import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { z } from 'zod';
import { readFrontMatter } from '../ingest/front-matter.js';
import { documentType, metadata, title } from '../modules/documents/documents.schemas.js';
import type { ExportLine } from '../modules/export/export.schemas.js';

/**
 * The front matter `ainstruct export --format files` puts before each document, and that `ainstruct import`
 * takes off again:
 *
 *     ---
 *     ainstruct_export: 1
 *     title: Setting up the lab
 *     document_type: markdown
 *     metadata:
 *       source_path: guides/setup.md
 *     ---
 *     <the content, byte for byte>
 *
 * A block of its own (not the document's keys mixed into the content's front matter) so that the content comes
 * back exactly, whatever it starts with (its own front matter, `---`, a byte order mark), and so that a metadata
 * key named `title` cannot collide with the title. Any other front matter is the content's and stays in it.
 */
export const EXPORT_ENVELOPE_VERSION = 1;

const envelope = z.object({
  ainstruct_export: z.literal(EXPORT_ENVELOPE_VERSION),
  title,
  document_type: documentType,
  metadata,
});

export interface ImportedDocument {
  title: string;
  document_type: z.infer<typeof documentType>;
  metadata: Record<string, unknown>;
  content: string;
}

/** The file for one document, or undefined when its metadata is too large to read back as front matter. */
export function renderExportFile(line: ExportLine): string | undefined {
  const yaml = stringify(
    {
      ainstruct_export: EXPORT_ENVELOPE_VERSION,
      title: line.title,
      document_type: line.document_type,
      metadata: line.metadata,
    },
    // The schema the reader uses, and no line folding: what is written is what it reads.
    { version: '1.2', schema: 'core', lineWidth: 0, minContentWidth: 0 },
  );
  const file = `---\n${yaml}---\n${line.content}`;
  const read = readExportEnvelope(file);
  // Checked, not assumed: a file that would not read back as this document is not written.
  const exact =
    read !== undefined &&
    read.content === line.content &&
    read.title === line.title &&
    read.document_type === line.document_type &&
    isDeepStrictEqual(read.metadata, line.metadata);
  return exact ? file : undefined;
}

/** The document an exported file holds, or undefined when the file does not start with an export block. */
export function readExportEnvelope(file: string): ImportedDocument | undefined {
  // A byte order mark before the block would be the content's; an exported file never starts with one.
  if (!file.startsWith('---')) return undefined;
  const block = readFrontMatter(file);
  if (!block) return undefined;
  const parsed = envelope.safeParse(block.data);
  if (!parsed.success) return undefined;
  return {
    title: parsed.data.title,
    document_type: parsed.data.document_type,
    metadata: parsed.data.metadata,
    content: file.slice(block.length),
  };
}
