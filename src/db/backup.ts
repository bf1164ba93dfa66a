import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { AppError, conflict } from '../errors.js';
import { claimDataDir, DataDirInUseError } from './data-dir-owner.js';

/**
 * Backups of the embedded database: the gzipped tar PGlite's `dumpDataDir` makes of DATA_DIR/pgdata, written
 * under its name only once complete, and restored into DATA_DIR only once it has opened as a database.
 */

const gunzipAsync = promisify(gunzip);
const BLOCK = 512;

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupWritten {
  file: string;
  bytes: number;
}

/** `file` must not exist unless `force`; conflict (409) otherwise, an error the operator is shown as it is. */
function refuseExisting(file: string): AppError {
  return conflict('BACKUP_EXISTS', `${file} exists already; pass --force to overwrite it`);
}

/** Where the file cannot be written (a missing folder, no permission, a full disk): the operator's to fix. */
const WRITE_ERRORS = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS', 'ENOSPC', 'EDQUOT']);
/** Filesystems without hard links: there the no-overwrite check and the rename are two steps. */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Writes the bytes `snapshot` gives to `file` (checked first, so a refused backup takes no snapshot) through a
 * temporary file beside it, so a failed or interrupted backup never leaves a partial file under the target
 * name. Without `force` an existing file is never replaced, not even one created meanwhile: the finished file
 * is hard-linked into place, which fails if the name is taken.
 */
export async function writeBackupFile(
  file: string,
  snapshot: () => Promise<Uint8Array>,
  force: boolean,
): Promise<BackupWritten> {
  const target = resolve(file);
  if (!force && existsSync(target)) throw refuseExisting(target);
  const bytes = await snapshot();
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (force) await rename(temp, target);
    else {
      try {
        await link(temp, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') throw refuseExisting(target);
        if (!NO_LINKS.has(code)) throw error;
        if (existsSync(target)) throw refuseExisting(target);
        await rename(temp, target);
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (WRITE_ERRORS.has(code)) {
      throw new AppError(422, 'BACKUP_NOT_WRITTEN', `cannot write ${target} (${code}); nothing was written`);
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  return { file: target, bytes: bytes.length };
}

const text = (block: Uint8Array, start: number, length: number) =>
  Buffer.from(block.subarray(start, start + length))
    .toString('latin1')
    .replace(/\0.*$/s, '');

/**
 * Checks that `tar` is a whole tar archive of a PostgreSQL data directory: every header's checksum holds,
 * every entry's data is there, the end-of-archive block is present, and PG_VERSION is at its top.
 */
function checkTar(tar: Uint8Array): void {
  let offset = 0;
  let hasVersion = false;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) {
      if (!hasVersion) throw new BackupError('it is not a backup of an ainstruct database (no PG_VERSION)');
      return;
    }
    // The checksum is the byte sum of the header with its own field counted as spaces.
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] ?? 0);
    if (Number.parseInt(text(header, 148, 8).trim(), 8) !== sum) {
      throw new BackupError(`it is damaged (a bad tar header at byte ${offset})`);
    }
    const name = `${text(header, 345, 155)}${text(header, 0, 100)}`.replace(/^\.?\/+/, '');
    if (name === 'PG_VERSION') hasVersion = true;
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (offset > tar.length) throw new BackupError('it is truncated');
  }
  throw new BackupError('it is truncated (no end of archive)');
}

/** Reads and checks a backup file; throws BackupError naming what is wrong. Touches nothing. */
export async function readBackupFile(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new BackupError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let tar: Uint8Array;
  try {
    // gzip's own CRC and length catch a damaged or cut-off file.
    tar = await gunzipAsync(bytes);
  } catch {
    throw new BackupError(
      `${file} is not a usable backup: it is truncated or damaged (not a whole gzip file)`,
    );
  }
  try {
    checkTar(tar);
  } catch (error) {
    throw new BackupError(`${file} is not a usable backup: ${(error as Error).message}`);
  }
  return bytes;
}

/**
 * Opens the backup as a database in `location` (a new folder), and checks it is ainstruct's: a backup that
 * passes this is one the server can open.
 */
async function loadInto(location: string, bytes: Uint8Array): Promise<void> {
  const pg = await PGlite.create(location, {
    extensions: { vector },
    loadDataDir: new Blob([bytes as Uint8Array<ArrayBuffer>]),
  });
  try {
    await pg.query('select count(*) from ainstruct_migrations');
  } finally {
    await pg.close();
  }
}

export interface RestoreResult {
  dataDir: string;
  /** Whether a database was there before (and has been replaced). */
  replaced: boolean;
}

/**
 * Replaces the embedded database in `dataDir` with the backup in `file`. Order matters, so that a failure at
 * any point loses nothing: the file is checked before anything is touched; DATA_DIR is then owned (refused
 * while a server or another command owns it); the backup is opened as a database in a folder of its own inside
 * DATA_DIR; only then the current pgdata is moved aside, the restored one moved in, and the old one removed.
 */
export async function restoreEmbeddedDatabase(
  dataDir: string,
  file: string,
  options: { force: boolean },
): Promise<RestoreResult> {
  const bytes = await readBackupFile(file);
  const root = resolve(dataDir);
  const pgdata = join(root, 'pgdata');
  let ownership: Awaited<ReturnType<typeof claimDataDir>>;
  try {
    ownership = await claimDataDir(root, 'restore');
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      throw new BackupError(
        `${error.message} Stop it before restoring: restore replaces the database under it.`,
      );
    }
    throw error;
  }
  const staging = join(root, `.restore-${randomBytes(6).toString('hex')}`);
  const aside = join(staging, 'previous');
  let keepStaging = false;
  try {
    const replaced = existsSync(join(pgdata, 'PG_VERSION'));
    if (replaced && !options.force) {
      throw new BackupError(`${root} holds a database already; pass --force to replace it`);
    }
    await mkdir(staging);
    try {
      await loadInto(join(staging, 'pgdata'), bytes);
    } catch (error) {
      throw new BackupError(
        `${file} is not a usable backup: it did not open as a database (${(error as Error).message})`,
      );
    }
    if (existsSync(pgdata)) await rename(pgdata, aside);
    try {
      await rename(join(staging, 'pgdata'), pgdata);
    } catch (error) {
      if (existsSync(aside)) {
        // Put the previous database back; should even that fail, it stays where it is, named in the error.
        await rename(aside, pgdata).catch(() => {
          keepStaging = true;
        });
      }
      if (keepStaging) throw new BackupError(`restore failed; the previous database is in ${aside}`);
      throw error;
    }
    return { dataDir: root, replaced };
  } finally {
    // The previous database goes only now, with the restored one in place (or put back above).
    if (!keepStaging) await rm(staging, { recursive: true, force: true });
    await ownership.release();
  }
}
