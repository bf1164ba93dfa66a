import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type DocumentType, documentTypeFromPath } from '../ingest/document-types.js';
import { type ImportedDocument, readExportEnvelope } from './export-envelope.js';

/** A file as a document to store: plain (titled by the server, from its name at worst) or exported. */
export type DocumentFile =
  | { kind: 'plain'; content: string; type: DocumentType; fallbackTitle: string }
  | { kind: 'exported'; content: string; exported: ImportedDocument }
  | { kind: 'skip'; reason: string };

/**
 * Reads a file the way `ainstruct import` and `ainstruct sync` both do: an `ainstruct export` file gives back
 * its document (title, type, metadata, content byte for byte); any other file is its own content. Empty files
 * and binary ones (a NUL byte) are not documents.
 */
export async function readDocumentFile(path: string): Promise<DocumentFile> {
  const type = documentTypeFromPath(path);
  if (!type) return { kind: 'skip', reason: 'not a markdown, text or code file' };
  const text = await readFile(path, 'utf8');
  const exported = readExportEnvelope(text);
  const content = exported?.content ?? text;
  if (content.trim().length === 0) return { kind: 'skip', reason: 'empty' };
  if (content.includes('\u0000')) return { kind: 'skip', reason: 'binary (contains NUL)' };
  return exported
    ? { kind: 'exported', content, exported }
    : { kind: 'plain', content, type, fallbackTitle: basename(path) };
}
