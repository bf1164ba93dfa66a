import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../modules/sync/sync.schemas.js';
import { type LocalFile, planSync } from './sync-plan.js';

const entry = (path: string, hash: string, id = `id-${path}-${hash}`): ManifestEntry => ({
  document_id: id,
  source_path: path,
  content_hash: hash,
});

describe('planSync', () => {
  it('stores new paths, updates changed ones, leaves unchanged ones and deletes only when asked', () => {
    const files: LocalFile[] = [
      { path: 'b.md', hash: 'h2' },
      { path: 'a.md', hash: 'h1' },
      { path: 'new.md', hash: 'h9' },
    ];
    const manifest = [entry('a.md', 'h1', 'A'), entry('b.md', 'old', 'B'), entry('gone.md', 'h3', 'G')];
    expect(planSync(files, manifest, { deleteMissing: false })).toEqual([
      { kind: 'unchanged', path: 'a.md', documentId: 'A' },
      { kind: 'update', path: 'b.md', documentId: 'B' },
      { kind: 'store', path: 'new.md' },
    ]);
    expect(planSync(files, manifest, { deleteMissing: true }).at(-1)).toEqual({
      kind: 'delete',
      path: 'gone.md',
      documentId: 'G',
    });
  });

  it('holds for any folder and manifest: one action per file, deletions exactly the missing paths', () => {
    const path = fc.constantFrom<string>('a.md', 'b.md', 'c/d.md', 'e.txt', 'f.ts');
    const hash = fc.constantFrom<string>('h1', 'h2', 'h3');
    fc.assert(
      fc.property(
        // A folder holds each path once.
        fc.uniqueArray(fc.record({ path, hash, exported: fc.boolean() }), { selector: (f) => f.path }),
        fc.array(fc.tuple(path, hash).map(([p, h]) => entry(p, h))),
        fc.boolean(),
        (files, manifest, deleteMissing) => {
          const plan = planSync(files, manifest, { deleteMissing });
          const local = new Map(files.map((f) => [f.path, f]));
          // Every local path gets exactly one non-delete action.
          const touched = plan.filter((a) => a.kind !== 'delete').map((a) => a.path);
          expect(touched.sort()).toEqual([...local.keys()].sort());
          for (const action of plan) {
            const file = local.get(action.path);
            const entries = manifest.filter((m) => m.source_path === action.path);
            if (action.kind === 'store') expect(entries).toHaveLength(0);
            // Same content: nothing to do, unless an export block may name another title or metadata.
            if (action.kind === 'unchanged' || action.kind === 'check') {
              expect(entries.some((m) => m.content_hash === file?.hash)).toBe(true);
              expect(action.kind === 'check').toBe(file?.exported === true);
            }
            if (action.kind === 'update') {
              expect(entries.length).toBeGreaterThan(0);
              expect(entries.some((m) => m.content_hash === file?.hash)).toBe(false);
            }
            if (action.kind === 'delete') {
              expect(deleteMissing).toBe(true);
              expect(local.has(action.path)).toBe(false);
            }
          }
          const deleted = plan.filter((a) => a.kind === 'delete');
          const missing = manifest.filter((m) => !local.has(m.source_path));
          expect(deleted).toHaveLength(deleteMissing ? missing.length : 0);
        },
      ),
    );
  });
});
