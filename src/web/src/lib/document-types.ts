/** The server's own table of the 22 document types and file extensions, with labels for the UI. */
import {
  BY_EXTENSION,
  DOCUMENT_TYPES,
  type DocumentType,
  documentTypeFromPath,
  isDocumentType,
} from '../../../ingest/document-types.js';

export { DOCUMENT_TYPES, type DocumentType, documentTypeFromPath, isDocumentType };

const LABELS: Record<DocumentType, string> = {
  markdown: 'Markdown',
  text: 'Plain text',
  html: 'HTML',
  css: 'CSS',
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  json: 'JSON',
  python: 'Python',
  java: 'Java',
  php: 'PHP',
  rust: 'Rust',
  go: 'Go',
  cpp: 'C / C++',
  sql: 'SQL',
  xml: 'XML',
  yaml: 'YAML',
  vue: 'Vue',
  angular: 'Angular template',
  sass: 'Sass / SCSS',
  liquid: 'Liquid',
  jinja: 'Jinja',
  wast: 'WebAssembly text',
};

export const documentTypeLabel = (type: string): string => (isDocumentType(type) ? LABELS[type] : type);

export const DOCUMENT_TYPE_OPTIONS = DOCUMENT_TYPES.map((value) => ({ value, label: LABELS[value] }));

/** For the file picker's `accept`. */
export const UPLOAD_ACCEPT = [...BY_EXTENSION.keys()].join(',');

/** Fenced code block info strings (```ts) to a document type, for highlighting inside markdown. */
const FENCE_ALIASES: Record<string, DocumentType> = {
  js: 'javascript',
  ts: 'typescript',
  py: 'python',
  sh: 'text',
  shell: 'text',
  bash: 'text',
  yml: 'yaml',
  scss: 'sass',
  c: 'cpp',
  'c++': 'cpp',
  rs: 'rust',
  golang: 'go',
  md: 'markdown',
  htm: 'html',
  wat: 'wast',
};

export function documentTypeFromFence(info: string): DocumentType {
  const name = info.toLowerCase();
  if (isDocumentType(name)) return name;
  return FENCE_ALIASES[name] ?? 'text';
}
