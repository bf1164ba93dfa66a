import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isSkippedName } from './folder-rules.js';

/** `relative` with `/` separators: how a path is recorded (source_path) and matched against ignore rules. */
export function recordedRelative(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/**
 * Every file under `root`, in name order, passing over what import skips (see folder-rules.ts) and whatever
 * `ignored` (given the recorded relative path, with a trailing `/` for folders) rules out. Symbolic links are
 * not followed: a link out of the folder must not pull outside files in.
 */
export async function* walkFolder(
  root: string,
  ignored: (relativePath: string) => boolean = () => false,
  dir = root,
): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (isSkippedName(entry.name)) continue;
    const path = join(dir, entry.name);
    const rel = recordedRelative(root, path);
    if (entry.isDirectory()) {
      if (!ignored(`${rel}/`)) yield* walkFolder(root, ignored, path);
    } else if (entry.isFile() && !ignored(rel)) yield path;
  }
}
