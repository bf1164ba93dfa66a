import type { Extension } from '@codemirror/state';
import type { DocumentType } from './document-types';

/**
 * The CodeMirror language for each document type. Loaded on demand, so each grammar is its own chunk and a
 * page only downloads the ones it shows.
 */
const LOADERS: Record<DocumentType, () => Promise<Extension | null>> = {
  markdown: async () => (await import('@codemirror/lang-markdown')).markdown(),
  text: async () => null,
  html: async () => (await import('@codemirror/lang-html')).html(),
  css: async () => (await import('@codemirror/lang-css')).css(),
  javascript: async () => (await import('@codemirror/lang-javascript')).javascript({ jsx: true }),
  typescript: async () =>
    (await import('@codemirror/lang-javascript')).javascript({ typescript: true, jsx: true }),
  json: async () => (await import('@codemirror/lang-json')).json(),
  python: async () => (await import('@codemirror/lang-python')).python(),
  java: async () => (await import('@codemirror/lang-java')).java(),
  php: async () => (await import('@codemirror/lang-php')).php(),
  rust: async () => (await import('@codemirror/lang-rust')).rust(),
  go: async () => (await import('@codemirror/lang-go')).go(),
  cpp: async () => (await import('@codemirror/lang-cpp')).cpp(),
  sql: async () => (await import('@codemirror/lang-sql')).sql(),
  xml: async () => (await import('@codemirror/lang-xml')).xml(),
  yaml: async () => (await import('@codemirror/lang-yaml')).yaml(),
  vue: async () => (await import('@codemirror/lang-vue')).vue(),
  angular: async () => (await import('@codemirror/lang-angular')).angular(),
  sass: async () => (await import('@codemirror/lang-sass')).sass({ indented: false }),
  liquid: async () => (await import('@codemirror/lang-liquid')).liquid(),
  jinja: async () => (await import('@codemirror/lang-jinja')).jinja(),
  wast: async () => (await import('@codemirror/lang-wast')).wast(),
};

export function loadLanguage(type: DocumentType): Promise<Extension | null> {
  return LOADERS[type]().catch(() => null);
}
