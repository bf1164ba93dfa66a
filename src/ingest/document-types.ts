import { basename, extname } from 'node:path';

/** The original's 22 document types (exact, case-sensitive). */
export const DOCUMENT_TYPES = [
  'markdown',
  'text',
  'html',
  'css',
  'javascript',
  'typescript',
  'json',
  'python',
  'java',
  'php',
  'rust',
  'go',
  'cpp',
  'sql',
  'xml',
  'yaml',
  'vue',
  'angular',
  'sass',
  'liquid',
  'jinja',
  'wast',
] as const;

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export function isDocumentType(value: string): value is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(value);
}

const BY_EXTENSION: Record<string, DocumentType> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.rst': 'text',
  '.log': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.css': 'css',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.json': 'json',
  '.py': 'python',
  '.java': 'java',
  '.php': 'php',
  '.rs': 'rust',
  '.go': 'go',
  '.c': 'cpp',
  '.h': 'cpp',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.hpp': 'cpp',
  '.hh': 'cpp',
  '.sql': 'sql',
  '.xml': 'xml',
  '.svg': 'xml',
  '.yml': 'yaml',
  '.yaml': 'yaml',
  '.vue': 'vue',
  '.scss': 'sass',
  '.sass': 'sass',
  '.liquid': 'liquid',
  '.j2': 'jinja',
  '.jinja': 'jinja',
  '.jinja2': 'jinja',
  '.wast': 'wast',
  '.wat': 'wast',
};

/** The document type for a file name, or undefined for files ainstruct does not store. */
export function documentTypeFromPath(path: string): DocumentType | undefined {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.component.html')) return 'angular';
  return BY_EXTENSION[extname(name)];
}
