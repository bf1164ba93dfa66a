import type { ManifestEntry } from '../modules/sync/sync.schemas.js';

/** A file of the folder as the planner sees it: its recorded path and the sha256 of its content. */
export interface LocalFile {
  path: string;
  hash: string;
  /** Written by `ainstruct export`: its block names a title, type and metadata that may differ meanwhile. */
  exported?: boolean;
}

export type PlannedAction =
  | { kind: 'store'; path: string }
  | { kind: 'update'; path: string; documentId: string }
  | { kind: 'unchanged'; path: string; documentId: string }
  /** Same content, but an export block the server compares with the document (an edited title, say). */
  | { kind: 'check'; path: string; documentId: string }
  | { kind: 'delete'; path: string; documentId: string };

export type ActionKind = PlannedAction['kind'];

/**
 * What a sync does, from the folder's files and the collection's manifest, without touching either: a file at
 * no recorded path is stored, one whose hash differs is updated, one whose hash matches costs nothing (unless
 * it is an exported file, whose title, type and metadata the server then compares: `check`). Recorded
 * paths with no file are deleted only with `deleteMissing` (every document at such a path, should an import
 * have left more than one). Actions come in path order, deletions last.
 */
export function planSync(
  files: readonly LocalFile[],
  manifest: readonly ManifestEntry[],
  options: { deleteMissing: boolean },
): PlannedAction[] {
  const recorded = new Map<string, ManifestEntry[]>();
  for (const entry of manifest) {
    const list = recorded.get(entry.source_path);
    if (list) list.push(entry);
    else recorded.set(entry.source_path, [entry]);
  }
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  const actions: PlannedAction[] = [];
  const present = new Set<string>();
  for (const file of [...files].sort(byPath)) {
    if (present.has(file.path)) continue;
    present.add(file.path);
    const entries = recorded.get(file.path);
    const first = entries?.[0];
    if (!entries || !first) {
      actions.push({ kind: 'store', path: file.path });
      continue;
    }
    const same = entries.find((entry) => entry.content_hash === file.hash);
    actions.push(
      same
        ? { kind: file.exported ? 'check' : 'unchanged', path: file.path, documentId: same.document_id }
        : { kind: 'update', path: file.path, documentId: first.document_id },
    );
  }
  if (options.deleteMissing) {
    const deletions: PlannedAction[] = [];
    for (const [path, entries] of recorded) {
      if (present.has(path)) continue;
      for (const entry of entries) deletions.push({ kind: 'delete', path, documentId: entry.document_id });
    }
    actions.push(...deletions.sort(byPath));
  }
  return actions;
}
