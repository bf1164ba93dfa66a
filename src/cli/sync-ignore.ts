import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';

/** The ignore files read at the synced folder's root, in gitignore syntax. */
export const IGNORE_FILES = ['.gitignore', '.ainstructignore'] as const;

/**
 * What `ainstruct sync` leaves out, from `.gitignore` and `.ainstructignore` at the folder's root (nested
 * ignore files are not read). Takes recorded relative paths, folders with a trailing `/`.
 */
export async function loadIgnoreRules(root: string): Promise<(relativePath: string) => boolean> {
  const rules = ignore();
  for (const name of IGNORE_FILES) {
    const text = await readFile(join(root, name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    rules.add(text);
  }
  return (relativePath) => rules.ignores(relativePath);
}
