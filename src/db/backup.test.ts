import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBackupFile, writeBackupFile } from './backup.js';

/** A minimal ustar archive: one file per entry, then the end-of-archive blocks. */
function tar(entries: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(entries)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 'latin1');
    header.write('0000644\0', 100, 'latin1');
    header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0', 257, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const data = Buffer.alloc(Math.ceil(content.length / 512) * 512);
    data.write(content, 'latin1');
    blocks.push(header, data);
  }
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backup-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('backup files', () => {
  it('accepts a whole archive of a data directory', async () => {
    const file = join(dir, 'ok.tgz');
    writeFileSync(file, gzipSync(tar({ '/PG_VERSION': '17\n', '/base/1/112': 'x'.repeat(700) })));
    await expect(readBackupFile(file)).resolves.toBeInstanceOf(Uint8Array);
  });

  it.each([
    ['no PG_VERSION', () => gzipSync(tar({ '/notes.txt': 'hi' })), 'no PG_VERSION'],
    ['a bad header', () => gzipSync(Buffer.alloc(1024, 7)), 'bad tar header'],
    [
      'a cut-off entry',
      () => gzipSync(tar({ '/PG_VERSION': 'x'.repeat(2000) }).subarray(0, 1024)),
      'truncated',
    ],
    [
      'no end of archive',
      () => gzipSync(tar({ '/PG_VERSION': '17\n' }).subarray(0, 1024)),
      'no end of archive',
    ],
    [
      'a cut-off gzip',
      () => gzipSync(tar({ '/PG_VERSION': '17\n' })).subarray(0, 30),
      'not a whole gzip file',
    ],
    ['not gzip', () => Buffer.from('plain text'), 'not a whole gzip file'],
  ])('refuses %s', async (_what, make, reason) => {
    const file = join(dir, 'bad.tgz');
    writeFileSync(file, make());
    await expect(readBackupFile(file)).rejects.toThrow(reason);
  });

  it('writes the file whole, refuses an existing one without taking a snapshot, and overwrites with force', async () => {
    const file = join(dir, 'b.tgz');
    let snapshots = 0;
    const snapshot = async () => {
      snapshots++;
      return new Uint8Array([snapshots]);
    };
    expect(await writeBackupFile(file, snapshot, false)).toEqual({ file, bytes: 1 });
    await expect(writeBackupFile(file, snapshot, false)).rejects.toThrow('exists already');
    expect(snapshots).toBe(1);
    await writeBackupFile(file, snapshot, true);
    expect([...readFileSync(file)]).toEqual([2]);
    expect(readdirSync(dir)).toEqual(['b.tgz']);
  });

  it('says where it cannot write, and writes nothing', async () => {
    const file = join(dir, 'missing', 'b.tgz');
    await expect(writeBackupFile(file, async () => new Uint8Array([1]), false)).rejects.toThrow(
      `cannot write ${file} (ENOENT); nothing was written`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves nothing behind when the snapshot fails', async () => {
    const file = join(dir, 'failed.tgz');
    await expect(
      writeBackupFile(file, () => Promise.reject(new Error('worker died')), false),
    ).rejects.toThrow('worker died');
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
