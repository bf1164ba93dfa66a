import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { documentTypeFromPath } from '../ingest/document-types.js';
import { sha256Hex as sha256 } from '../modules/documents/content-hash.js';
import type { PutBody } from '../modules/sync/sync.schemas.js';
import { type DocumentFile, readDocumentFile } from './document-file.js';
import { recordedRelative, walkFolder } from './folder-walk.js';
import { ProgressBar } from './progress.js';
import { loadIgnoreRules } from './sync-ignore.js';
import { type LocalFile, type PlannedAction, planSync } from './sync-plan.js';
import type { SyncTarget } from './sync-target.js';
import { httpSyncTarget } from './sync-target-http.js';
import { localSyncTarget } from './sync-target-local.js';

export interface SyncOptions {
  path: string;
  collection: string;
  user?: string | undefined;
  /** A remote server (with `token`) instead of this installation's database. */
  url?: string | undefined;
  token?: string | undefined;
  deleteMissing: boolean;
  dryRun: boolean;
  concurrency?: number;
}

export interface SyncSummary {
  collection: string;
  stored: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Files that are no documents: unknown extension, empty, binary. */
  skipped: number;
  failed: { path: string; error: string }[];
  /** What was (or, with --dry-run, would be) done, path by path. */
  plan: PlannedAction[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Progress is worth a bar only when there is this much work (a run of unchanged files is quick). */
const PROGRESS_OVER = 20;

/** The put for a file: an exported one brings back its document; a plain one is titled by the server. */
function putBody(path: string, file: Exclude<DocumentFile, { kind: 'skip' }>): PutBody {
  return file.kind === 'exported'
    ? {
        source_path: path,
        title: file.exported.title,
        content: file.content,
        document_type: file.exported.document_type,
        metadata: file.exported.metadata,
      }
    : {
        source_path: path,
        fallback_title: file.fallbackTitle,
        content: file.content,
        document_type: file.type,
        metadata: {},
      };
}

/** Opens where `options` points: a remote server with a token, else this installation. */
export async function openSyncTarget(config: Config, options: SyncOptions): Promise<SyncTarget> {
  if (options.url) {
    const token = options.token ?? config.AINSTRUCT_TOKEN;
    if (!token) throw new Error('sync --url needs a token: pass --token or set AINSTRUCT_TOKEN');
    if (options.user)
      throw new Error('--user works only on the local database; with --url the token decides');
    return httpSyncTarget(options.url, token);
  }
  if (options.token) throw new Error('--token goes with --url (a remote server)');
  return localSyncTarget(config, options.user);
}

/**
 * One pass over the folder: hash every file, read the collection's manifest, plan (see sync-plan.ts), then
 * store, update and delete. Files are read twice (to hash, then to send) so the folder is never held in memory.
 * A pass is idempotent: after an interruption, the next one does what is left.
 */
export async function syncPass(target: SyncTarget, root: string, options: SyncOptions): Promise<SyncSummary> {
  // A dry run creates nothing, not even the collection: a missing one has an empty manifest.
  const begun = await target.begin(options.collection, { create: !options.dryRun });
  const summary: SyncSummary = {
    collection: begun?.name ?? options.collection,
    stored: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    skipped: 0,
    failed: [],
    plan: [],
  };
  const ignored = await loadIgnoreRules(root);
  const files: LocalFile[] = [];
  for await (const path of walkFolder(root, ignored)) {
    const rel = recordedRelative(root, path);
    if (!documentTypeFromPath(path)) {
      summary.skipped += 1;
      continue;
    }
    try {
      const read = await readDocumentFile(path);
      if (read.kind === 'skip') summary.skipped += 1;
      else files.push({ path: rel, hash: sha256(read.content), exported: read.kind === 'exported' });
    } catch (error) {
      summary.failed.push({ path: rel, error: message(error) });
    }
  }
  const manifest = [];
  if (begun) for await (const entry of target.manifest()) manifest.push(entry);
  summary.plan = planSync(files, manifest, { deleteMissing: options.deleteMissing });
  if (options.dryRun) {
    for (const action of summary.plan) summary[countOf(action.kind)] += 1;
    return summary;
  }

  const work = summary.plan.filter((action) => action.kind !== 'unchanged');
  summary.unchanged = summary.plan.length - work.length;
  const progress = work.length > PROGRESS_OVER ? new ProgressBar('sync', work.length) : undefined;
  let next = 0;
  let done = 0;
  const apply = async (action: PlannedAction) => {
    if (action.kind === 'delete') {
      if ((await target.remove(action.documentId)).deleted) summary.deleted += 1;
      return;
    }
    // The file may have changed or gone since it was hashed (an editor at work): that is this file's problem,
    // never the target's, so it must not count as a failure that ends the sync.
    const read = await readDocumentFile(join(root, action.path)).catch((error: unknown) => {
      summary.failed.push({ path: action.path, error: message(error) });
      return undefined;
    });
    if (!read) return;
    if (read.kind === 'skip') {
      summary.skipped += 1; // emptied since it was hashed
      return;
    }
    const { outcome } = await target.put(putBody(action.path, read));
    summary[outcome] += 1;
  };
  const worker = async () => {
    for (let index = next++; index < work.length; index = next++) {
      const action = work[index];
      if (!action) continue;
      try {
        await apply(action);
      } catch (error) {
        if (target.fatal(error)) throw error;
        summary.failed.push({ path: action.path, error: message(error) });
      }
      done += 1;
      progress?.update(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return summary;
}

/** What a dry run counts an action as (a `check` most often finds nothing to do). */
function countOf(kind: PlannedAction['kind']): 'stored' | 'updated' | 'deleted' | 'unchanged' {
  return kind === 'store'
    ? 'stored'
    : kind === 'update'
      ? 'updated'
      : kind === 'delete'
        ? 'deleted'
        : 'unchanged';
}

/** `ainstruct sync` without --watch: one pass. */
export async function syncFolder(config: Config, options: SyncOptions): Promise<SyncSummary> {
  const root = await folder(options.path);
  const target = await openSyncTarget(config, options);
  try {
    return await syncPass(target, root, options);
  } finally {
    await target.close();
  }
}

export async function folder(path: string): Promise<string> {
  if (!(await stat(path).catch(() => undefined))?.isDirectory())
    throw new Error(`${path} is not a directory`);
  return path;
}

/** The line a sync ends with (and, with --watch, each pass that did something). */
export function formatSyncSummary(summary: SyncSummary, dryRun = false): string {
  const counts =
    `stored ${summary.stored}, updated ${summary.updated}, deleted ${summary.deleted}, ` +
    `unchanged ${summary.unchanged}, skipped ${summary.skipped}, failed ${summary.failed.length}`;
  return dryRun
    ? `Dry run, nothing changed. "${summary.collection}" would be: ${counts}`
    : `Synced "${summary.collection}": ${counts}`;
}

/** --dry-run's plan: one line per path, what would be done. */
export function formatPlan(plan: PlannedAction[]): string[] {
  return plan.map((action) => `${action.kind.padEnd(9)} ${action.path}`);
}
