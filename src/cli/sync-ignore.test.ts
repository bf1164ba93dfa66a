import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordedRelative, walkFolder } from './folder-walk.js';
import { loadIgnoreRules } from './sync-ignore.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

async function walked(files: Record<string, string>): Promise<string[]> {
  root = mkdtempSync(join(tmpdir(), 'ainstruct-ignore-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const rules = await loadIgnoreRules(root);
  const paths: string[] = [];
  for await (const path of walkFolder(root, rules)) paths.push(recordedRelative(root, path));
  return paths;
}

describe('sync ignore rules', () => {
  it('follow .gitignore and .ainstructignore, on top of what import skips', async () => {
    expect(
      await walked({
        '.gitignore': '*.log\nbuild-output/\n!keep.log\n',
        '.ainstructignore': 'drafts/\n/top-only.md\n',
        'a.md': 'a',
        'x.log': 'ignored',
        'keep.log': 'negated back in',
        'build-output/b.md': 'ignored folder',
        'drafts/c.md': 'ignored folder',
        'top-only.md': 'anchored: ignored',
        'sub/top-only.md': 'anchored elsewhere: kept',
        'node_modules/d.md': 'skipped like import',
        '.hidden/e.md': 'hidden',
      }),
    ).toEqual(['a.md', 'keep.log', 'sub/top-only.md']);
  });

  it('read ignore files in every folder for the paths below it, deeper ones overriding, as git does', async () => {
    expect(
      await walked({
        '.gitignore': '*.tmp\nnotes/private/\n',
        'notes/.gitignore': '*.txt\n!*.tmp\n/local.md\n',
        'notes/.ainstructignore': '!keep.txt\n',
        'notes/a.md': 'kept',
        'notes/b.txt': 'ignored by notes/.gitignore',
        'notes/keep.txt': 'brought back by notes/.ainstructignore',
        'notes/c.tmp': 'brought back below notes',
        'notes/local.md': 'anchored to notes: ignored',
        'notes/deep/local.md': 'anchored elsewhere: kept',
        'notes/deep/d.txt': 'ignored from notes/ down',
        'notes/private/.gitignore': '!*\n',
        'notes/private/secret.md': 'its folder is ignored: an ignore file inside cannot bring it back',
        'other/e.txt': 'the notes rules do not reach here',
        'other/f.tmp': 'the root rule does',
      }),
    ).toEqual(['notes/a.md', 'notes/c.tmp', 'notes/deep/local.md', 'notes/keep.txt', 'other/e.txt']);
  });

  it('without ignore files, skip only what import skips', async () => {
    expect(await walked({ 'a.md': 'a', 'dist/b.md': 'b', 'z/y.txt': 'y' })).toEqual(['a.md', 'z/y.txt']);
  });
});
