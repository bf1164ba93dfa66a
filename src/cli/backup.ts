import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { BackupError, restoreEmbeddedDatabase } from '../db/backup.js';
import { openOperationRunner, throughOwner } from '../operations/runner.js';

/** Server mode has PostgreSQL's own tools, which also back up while it runs. */
function refuseServerMode(config: Config, command: 'backup' | 'restore'): void {
  if (!config.databaseUrl) return;
  const tool = command === 'backup' ? 'pg_dump' : 'pg_restore (or psql for a plain dump)';
  throw new BackupError(
    `DATABASE_URL is set, so the database is PostgreSQL's: use ${tool} for it. ainstruct ${command} is for ` +
      'the embedded database in DATA_DIR.',
  );
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** `ainstruct backup <file>`: a snapshot of the embedded database, taken in the server when one runs. */
export async function backupCommand(
  config: Config,
  options: { file: string; force: boolean },
): Promise<string> {
  refuseServerMode(config, 'backup');
  const runner = await openOperationRunner(config, 'backup');
  try {
    // Absolute, because the server owning DATA_DIR writes it and its working directory is its own.
    const written = await runner.run('backup', { file: resolve(options.file), force: options.force });
    return `Backed up the embedded database to ${written.file} (${megabytes(written.bytes)})${throughOwner(runner)}`;
  } finally {
    await runner.close();
  }
}

/** `ainstruct restore <file>`: replaces the embedded database in DATA_DIR (no server may be running on it). */
export async function restoreCommand(
  config: Config,
  options: { file: string; force: boolean },
): Promise<string> {
  refuseServerMode(config, 'restore');
  const result = await restoreEmbeddedDatabase(config.DATA_DIR, options.file, options);
  return `Restored ${options.file} into ${result.dataDir}${result.replaced ? ' (the previous database was replaced)' : ''}`;
}
