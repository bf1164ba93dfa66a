import { relative, sep } from 'node:path';
import { watch } from 'chokidar';
import type { Config } from '../config.js';
import { isSkippedName } from './folder-rules.js';
import { folder, openSyncTarget, type SyncOptions, type SyncSummary, syncPass } from './sync.js';
import { IGNORE_FILES } from './sync-ignore.js';

/** Quiet time after the last change before a pass: an editor's save (temp file, rename) is one change. */
export const WATCH_DEBOUNCE_MS = 300;

const changedSomething = (s: SyncSummary) => s.stored + s.updated + s.deleted + s.failed.length > 0;

/**
 * `ainstruct sync --watch`: a pass now, then another after each burst of changes, until SIGINT or SIGTERM.
 * Each pass compares the whole folder with the manifest again (unchanged files cost a hash), so whatever the
 * events were (an atomic save renames a temp file over the original; a folder moved in brings many files), the
 * pass does what the folder now needs, and passes never overlap: changes during one trigger the next.
 */
export async function watchFolder(
  config: Config,
  options: SyncOptions,
  report: (summary: SyncSummary) => void,
): Promise<void> {
  const root = await folder(options.path);
  const target = await openSyncTarget(config, options);
  // Hidden and skipped names are never synced, so their churn (.git, editors' swap files) wakes nothing; the
  // ignore files themselves (in any synced folder) do, since they change what is synced.
  const watcher = watch(root, {
    ignoreInitial: true,
    atomic: true,
    ignored: (path) => {
      const segments = relative(root, path).split(sep).filter(Boolean);
      const last = segments.at(-1) ?? '';
      if ((IGNORE_FILES as readonly string[]).includes(last))
        return segments.slice(0, -1).some(isSkippedName);
      return segments.some(isSkippedName);
    },
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let failure: ((error: unknown) => void) | undefined;

  const pass = async () => {
    try {
      const summary = await syncPass(target, root, options);
      if (changedSomething(summary)) report(summary);
    } catch (error) {
      failure?.(error);
    }
  };
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(run, WATCH_DEBOUNCE_MS);
  };

  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  watcher.on('all', schedule);
  try {
    // The first pass reports even when nothing changed: the summary tells where things stand.
    report(await syncPass(target, root, options));
    process.stderr.write(`Watching ${root} for changes (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve, reject) => {
      failure = reject;
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      watcher.on('error', reject);
    });
  } finally {
    clearTimeout(timer);
    await watcher.close();
    await running;
    await target.close();
  }
}
