import { describe, expect, it } from 'vitest';
import { DOCUMENT_TYPES, documentTypeFromPath, isDocumentType } from './document-types.js';

describe('document types', () => {
  it('are the original 22', () => {
    expect(DOCUMENT_TYPES).toHaveLength(22);
    expect(isDocumentType('markdown')).toBe(true);
    expect(isDocumentType('wast')).toBe(true);
    expect(isDocumentType('Markdown')).toBe(false);
    expect(isDocumentType('pdf')).toBe(false);
    expect(isDocumentType(42)).toBe(false);
  });

  it('follow file extensions, case-insensitively', () => {
    const cases: [string, string | undefined][] = [
      ['notes/README.md', 'markdown'],
      ['a.markdown', 'markdown'],
      ['page.MDX', 'markdown'],
      ['todo.txt', 'text'],
      ['index.ts', 'typescript'],
      ['view.tsx', 'typescript'],
      ['mod.mts', 'typescript'],
      ['cfg.cts', 'typescript'],
      ['app.js', 'javascript'],
      ['app.jsx', 'javascript'],
      ['esm.mjs', 'javascript'],
      ['cjs.cjs', 'javascript'],
      ['main.py', 'python'],
      ['lib.rs', 'rust'],
      ['main.go', 'go'],
      ['x.c', 'cpp'],
      ['x.h', 'cpp'],
      ['x.cc', 'cpp'],
      ['x.cpp', 'cpp'],
      ['x.hpp', 'cpp'],
      ['x.cxx', 'cpp'],
      ['ci.yml', 'yaml'],
      ['ci.yaml', 'yaml'],
      ['page.htm', 'html'],
      ['page.html', 'html'],
      ['app.component.html', 'angular'],
      ['style.scss', 'sass'],
      ['style.sass', 'sass'],
      ['tpl.j2', 'jinja'],
      ['tpl.jinja', 'jinja'],
      ['tpl.jinja2', 'jinja'],
      ['theme.liquid', 'liquid'],
      ['App.vue', 'vue'],
      ['mod.wast', 'wast'],
      ['mod.wat', 'wast'],
      ['data.json', 'json'],
      ['feed.xml', 'xml'],
      ['schema.sql', 'sql'],
      ['site.css', 'css'],
      ['Main.java', 'java'],
      ['index.php', 'php'],
      ['photo.png', undefined],
      ['Makefile', undefined],
      ['archive.tar.gz', undefined],
      ['.md', undefined],
    ];
    for (const [path, type] of cases) expect([path, documentTypeFromPath(path)]).toEqual([path, type]);
  });
});
