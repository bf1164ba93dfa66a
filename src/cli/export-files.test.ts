import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_TYPES, documentTypeFromPath } from '../ingest/document-types.js';
import { metadata } from '../modules/documents/documents.schemas.js';
import { findUnstorableText } from '../validation/storable.js';
import { readExportEnvelope, renderExportFile } from './export-envelope.js';
import { ExportPaths, safeRecordedPath, titleStem } from './export-paths.js';
import { isSkippedName } from './folder-rules.js';

const storable = (value: unknown) => findUnstorableText(value).length === 0;

/** JSON values as jsonb holds them: no -0, no text PostgreSQL cannot store. */
const json: fc.Arbitrary<unknown> = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)));
const metadataArb = fc
  .dictionary(fc.string({ unit: 'grapheme' }), json, { maxKeys: 6 })
  // As jsonb gives it back: a plain object (fast-check's have no prototype).
  .map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>)
  // Only what a store accepts can be exported (a top-level `__proto__` key, say, is refused).
  .filter((m) => storable(m) && metadata.safeParse(m).success);
const contentArb = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1 }),
    fc.string({ unit: 'grapheme' }).map((s) => `---\ntitle: inner\n---\n${s}`),
    fc.string({ unit: 'grapheme' }).map((s) => `---\n${s}`),
    fc.string({ unit: 'grapheme' }).map((s) => `\uFEFF---\r\na: 1\r\n...\r\n${s}`),
  )
  .filter((s) => s.trim().length > 0 && storable(s));
const titleArb = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && storable(s));

describe('export front matter', () => {
  it('reads back the exact content, title, type and metadata it was written from', () => {
    fc.assert(
      fc.property(
        contentArb,
        titleArb,
        fc.constantFrom(...DOCUMENT_TYPES),
        metadataArb,
        (content, title, documentType, metadata) => {
          const line = {
            id: 'x',
            title,
            document_type: documentType,
            metadata,
            content,
            created_at: '',
            updated_at: '',
            path: null,
          };
          const file = renderExportFile(line);
          expect(file).toBeDefined();
          expect(readExportEnvelope(file ?? '')).toEqual({
            title,
            document_type: documentType,
            metadata,
            content,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves other front matter alone: it is the content', () => {
    expect(readExportEnvelope('---\ntitle: Notes\n---\n# Body\n')).toBeUndefined();
    expect(
      readExportEnvelope('---\nainstruct_export: 2\ntitle: a\ndocument_type: text\nmetadata: {}\n---\nx'),
    ).toBeUndefined();
    expect(
      readExportEnvelope('---\nainstruct_export: 1\ntitle: a\ndocument_type: text\nmetadata: {}\n---\nx'),
    ).toEqual({
      title: 'a',
      document_type: 'text',
      metadata: {},
      content: 'x',
    });
  });
});

describe('export paths', () => {
  it('refuses recorded paths that leave the folder, hide from import, or hold NUL and controls', () => {
    for (const path of [
      '../x.md',
      'a/../../x.md',
      '/etc/passwd.md',
      'a//b.md',
      './a.md',
      'a\\..\\b.md',
      'a\u0000.md',
      'a\n.md',
      '.git/config.md',
      'node_modules/a.md',
      'a/.hidden.md',
      'noextension',
      '',
      `${'x'.repeat(300)}.md`,
    ]) {
      expect(safeRecordedPath(path), path).toBeUndefined();
    }
    expect(safeRecordedPath('guides/deep/setup.md')).toEqual(['guides', 'deep', 'setup.md']);
  });

  it('always hands out distinct relative names inside the folder that import reads', () => {
    const recorded = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc.constantFrom('a.md', 'A.md', 'a.md/b.md', 'a', '../a.md', '/a.md', 'x/../../y.md', 'build/a.md'),
      fc
        .array(fc.constantFrom('a', 'b', '..', '.', '', 'c.md', 'D.MD', '\u0000'), { maxLength: 4 })
        .map((s) => s.join('/')),
    );
    const doc = fc.record({
      title: fc.string({ minLength: 1 }),
      document_type: fc.constantFrom(...DOCUMENT_TYPES),
      path: recorded,
    });
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 30 }), (documents) => {
        const paths = new ExportPaths();
        const root = resolve('/export-root');
        const chosen = documents.map((d) => paths.choose(d));
        const keys = chosen.map((p) => p.toLowerCase());
        expect(new Set(keys).size).toBe(keys.length);
        for (const path of chosen) {
          expect(isAbsolute(path)).toBe(false);
          expect(path.includes('\u0000')).toBe(false);
          expect(normalize(path)).toBe(path);
          expect(join(root, path).startsWith(root + sep)).toBe(true);
          expect(documentTypeFromPath(path)).toBeDefined();
          expect(path.split('/').some(isSkippedName)).toBe(false);
          // No file sits where another file's folder is.
          for (const other of keys) expect(other.startsWith(`${path.toLowerCase()}/`)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names a document without a usable path after its title', () => {
    expect(titleStem('  ../Notes: a/b?  ')).toBe('_Notes_ a_b_');
    expect(titleStem('...')).toBe('document');
    const paths = new ExportPaths();
    const doc = { title: 'Notes', document_type: 'markdown' as const, path: null };
    expect([paths.choose(doc), paths.choose(doc), paths.choose({ ...doc, path: 'Notes.md' })]).toEqual([
      'Notes.md',
      'Notes (2).md',
      'Notes (3).md',
    ]);
  });
});
