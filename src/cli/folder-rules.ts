/** Folders `ainstruct import` never walks into (tooling and build output, not documents). */
export const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'dist', 'build', '__pycache__', '.venv']);

/** Whether `ainstruct import` passes over a file or folder of this name: hidden ones and SKIPPED_DIRECTORIES. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || SKIPPED_DIRECTORIES.has(name);
}
