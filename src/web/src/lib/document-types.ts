/** The 22 document types the API accepts (src/ingest/document-types.ts), with labels for the UI. */
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

export function isDocumentType(value: unknown): value is DocumentType {
  return typeof value === 'string' && (DOCUMENT_TYPES as readonly string[]).includes(value);
}

export const documentTypeLabel = (type: string): string => (isDocumentType(type) ? LABELS[type] : type);

export const DOCUMENT_TYPE_OPTIONS = DOCUMENT_TYPES.map((value) => ({ value, label: LABELS[value] }));

/** Same table as the server's importer, so an upload gets the type the CLI import would give it. */
const BY_EXTENSION: Record<string, DocumentType> = {
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  txt: 'text',
  text: 'text',
  rst: 'text',
  html: 'html',
  htm: 'html',
  css: 'css',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  json: 'json',
  py: 'python',
  java: 'java',
  php: 'php',
  rs: 'rust',
  go: 'go',
  c: 'cpp',
  h: 'cpp',
  cc: 'cpp',
  cpp: 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  hh: 'cpp',
  sql: 'sql',
  xml: 'xml',
  yml: 'yaml',
  yaml: 'yaml',
  vue: 'vue',
  scss: 'sass',
  sass: 'sass',
  liquid: 'liquid',
  j2: 'jinja',
  jinja: 'jinja',
  jinja2: 'jinja',
  wast: 'wast',
  wat: 'wast',
};

/** For the file picker's `accept`. */
export const UPLOAD_ACCEPT = Object.keys(BY_EXTENSION)
  .map((extension) => `.${extension}`)
  .join(',');

/** The document type for a file name, or undefined for a file ainstruct does not store. */
export function documentTypeFromFileName(fileName: string): DocumentType | undefined {
  const name = fileName.toLowerCase();
  if (name.endsWith('.component.html')) return 'angular';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return BY_EXTENSION[name.slice(dot + 1)];
}

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
