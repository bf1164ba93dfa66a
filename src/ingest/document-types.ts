/* No Node imports: the web UI imports this module too, so an upload gets the type the CLI import gives. */

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

export function isDocumentType(value: unknown): value is DocumentType {
  return typeof value === 'string' && (DOCUMENT_TYPES as readonly string[]).includes(value);
}

/** Extensions (lower-case, with the dot) of the files ainstruct stores, and their document type. */
export const BY_EXTENSION = new Map<string, DocumentType>(
  Object.entries({
    '.md': 'markdown',
    '.markdown': 'markdown',
    '.mdx': 'markdown',
    '.txt': 'text',
    '.text': 'text',
    '.rst': 'text',
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
  } satisfies Record<string, DocumentType>),
);

/**
 * The document type for a file name, or undefined for files ainstruct does not store. Angular templates are
 * recognised by the `*.component.html` naming convention; other HTML stays `html`.
 */
export function documentTypeFromPath(filePath: string): DocumentType | undefined {
  const name = (filePath.split('/').pop() ?? '').toLowerCase();
  if (name.endsWith('.component.html')) return 'angular';
  // Like path.extname: a leading dot (".bashrc") is a name, not an extension.
  const dot = name.lastIndexOf('.');
  return dot > 0 ? BY_EXTENSION.get(name.slice(dot)) : undefined;
}
