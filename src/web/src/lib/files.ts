import { chooseTitle } from '../../../ingest/document-title.js';
import { type DocumentType, documentTypeFromPath } from '../../../ingest/document-types.js';

/* Only the server's own modules, imported as the server does, so the integration tests titling an upload run this. */

export interface PreparedFile {
  file: File;
  title: string;
  documentType: DocumentType;
  content: string;
}

const withoutExtension = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
};

/**
 * A title for an uploaded file, by the server's rule (chooseTitle): for markdown its front matter `title:` or
 * first heading, else the file name without extension. The YAML parser is loaded on the first upload, so the
 * documents page does not carry it (about 30 KB gzipped).
 */
export async function titleFor(
  fileName: string,
  documentType: DocumentType,
  content: string,
): Promise<string> {
  const { frontMatterOf } = await import('../../../ingest/front-matter.js');
  const frontMatter = frontMatterOf(content, documentType);
  const fallback = withoutExtension(fileName).trim() || fileName;
  return chooseTitle({ content, documentType, frontMatter, fallback }) ?? fileName;
}

/** Reads a picked file as UTF-8 text; binary files are refused with a readable reason. */
export async function prepareFile(file: File): Promise<PreparedFile> {
  const content = await file.text();
  if (content.includes('\u0000')) throw new Error('This looks like a binary file; only text can be stored');
  if (!content.trim()) throw new Error('The file is empty');
  const documentType = documentTypeFromPath(file.name) ?? 'text';
  return { file, documentType, content, title: await titleFor(file.name, documentType, content) };
}
