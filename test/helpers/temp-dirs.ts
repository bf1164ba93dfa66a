import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The temporary directories (and other paths) one test file makes, removed together in its `afterAll`. */
export function trackedTempDirs(defaultPrefix: string) {
  const paths: string[] = [];
  return {
    tempDir(prefix = defaultPrefix): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      paths.push(dir);
      return dir;
    },
    /** Removes `path` with the rest, for a path the test made itself. */
    track(path: string): void {
      paths.push(path);
    },
    removeTempDirs(): void {
      for (const path of paths.splice(0)) rmSync(path, { recursive: true, force: true });
    },
  };
}
