import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isSkippedName } from './folder-rules.js';

/** The ignore files read in the synced folder and in each folder under it, in gitignore syntax. */
export const IGNORE_FILES = ['.gitignore', '.ainstructignore'] as const;

/** The rules of one folder's ignore files, for paths relative to that folder (`''`: the synced root). */
interface Scope {
  folder: string;
  rules: Ignore;
}

async function rulesIn(dir: string): Promise<Ignore | undefined> {
  let found: Ignore | undefined;
  for (const name of IGNORE_FILES) {
    const text = await readFile(join(dir, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'EISDIR') return undefined;
      throw error;
    });
    if (text !== undefined) found = (found ?? ignore()).add(text);
  }
  return found;
}

/** Git's verdict: the deepest ignore file with an opinion on the path decides (so `!x` deeper brings x back). */
function decide(scopes: readonly Scope[], relativePath: string): boolean {
  let ignored = false;
  for (const { folder, rules } of scopes) {
    const below = folder === '' ? relativePath : relativePath.slice(folder.length + 1);
    // A folder's own ignore file speaks only of what is inside it.
    if (folder !== '' && (!relativePath.startsWith(`${folder}/`) || below === '')) continue;
    const verdict = rules.test(below);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}

/**
 * What `ainstruct sync` leaves out, as git would: `.gitignore` and `.ainstructignore` in the folder and in every
 * folder under it, each for the paths below it, deeper files overriding shallower ones. A folder that is left
 * out is not entered, so ignore files inside it count for nothing (as in git). Takes recorded relative paths,
 * folders with a trailing `/`.
 */
export async function loadIgnoreRules(root: string): Promise<(relativePath: string) => boolean> {
  const scopes: Scope[] = [];
  const visit = async (dir: string, folder: string): Promise<void> => {
    const rules = await rulesIn(dir);
    if (rules) scopes.push({ folder, rules });
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (!entry.isDirectory() || isSkippedName(entry.name)) continue;
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (!decide(scopes, `${path}/`)) await visit(join(dir, entry.name), path);
    }
  };
  await visit(root, '');
  // Folders are visited before the folders under them, so a path's scopes come shallow to deep, as decide needs.
  return (relativePath) => decide(scopes, relativePath);
}
