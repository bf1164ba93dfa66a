import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCliWith } from './helpers/cli.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { TEST_DB } from './helpers/database.js';
import { searchIds, storeNew } from './helpers/documents.js';

const DOCUMENTS = [
  { title: 'Quokka habits', content: 'The quokka is a small marsupial that lives on Rottnest Island.' },
  { title: 'Axolotl care', content: 'An axolotl regrows its limbs; keep its water cool and clean.' },
];

let work: string;
let server: CliServer | undefined;
let user: TestUser;
let ids: string[];

const serve = (dataDir: string) =>
  startCliServer(cliEnv({ DATA_DIR: dataDir }, { HOST: '127.0.0.1', PORT: '0' }));

async function found(url: string): Promise<string[][]> {
  const api = new ApiClient(url);
  const login = await api.post('/api/v1/auth/login', { username: user.username, password: user.password });
  expect(login.status).toBe(200);
  const token = login.body.access_token as string;
  return Promise.all(
    ['quokka', 'axolotl'].map((query) => searchIds(api, token, { query, mode: 'keyword', max_results: 10 })),
  );
}

// Backups exist for the embedded database only; server mode uses PostgreSQL's tools.
describe.runIf(TEST_DB === 'pglite')(
  'ainstruct backup and restore (embedded database)',
  { timeout: 240_000 },
  () => {
    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'ainstruct-backup-'));
      server = await serve(join(work, 'original'));
      const api = new ApiClient(server.url);
      user = await createUser(api, 'backup');
      ids = [];
      for (const document of DOCUMENTS) ids.push(await storeNew(api, user.accessToken, document));
    }, 200_000);
    afterAll(async () => {
      await server?.stop('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    });

    it('backs up while the server runs, and never overwrites an existing file without --force', async () => {
      const file = join(work, 'backup.tgz');
      const first = await runCliWith({ DATA_DIR: join(work, 'original') }, ['backup', file]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(
        /^Backed up the embedded database to .*backup\.tgz \([\d.]+ MB\) \(through the running server, pid \d+\)/,
      );
      const written = readFileSync(file);

      const again = await runCliWith({ DATA_DIR: join(work, 'original') }, ['backup', file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('exists already; pass --force to overwrite it');
      expect(readFileSync(file).equals(written)).toBe(true);
      // No temporary file is left beside it.
      expect(readdirSync(work).filter((name) => name.endsWith('.partial'))).toEqual([]);
    });

    it('refuses to restore while a server owns DATA_DIR', async () => {
      const refused = await runCliWith({ DATA_DIR: join(work, 'original') }, [
        'restore',
        join(work, 'backup.tgz'),
        '--force',
      ]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/owned by a running server .*Stop it before restoring/s);
      expect((await found(server?.url ?? '')).map((hits) => hits[0])).toEqual(ids);
    });

    it('restores into a fresh DATA_DIR, refuses damaged backups there, and the documents are found by search', async () => {
      expect(await server?.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      server = undefined;
      // With no server, the command owns DATA_DIR itself for the backup.
      const offline = await runCliWith({ DATA_DIR: join(work, 'original') }, [
        'backup',
        join(work, 'offline.tgz'),
      ]);
      expect(offline.code, offline.stderr).toBe(0);
      expect(offline.stdout).not.toContain('through the running server');
      const file = join(work, 'backup.tgz');
      const fresh = join(work, 'restored');
      const restored = await runCliWith({ DATA_DIR: fresh }, ['restore', file]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toContain(`Restored ${file} into ${fresh}`);

      // Damaged files, even with --force, are refused before the database in DATA_DIR is touched.
      const bytes = readFileSync(file);
      const truncated = join(work, 'truncated.tgz');
      writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const corrupt = join(work, 'corrupt.tgz');
      const flipped = Buffer.from(bytes);
      for (let i = 1000; i < 1100; i++) flipped[i] = (flipped[i] ?? 0) ^ 0xff;
      writeFileSync(corrupt, flipped);
      const notBackup = join(work, 'notes.txt');
      writeFileSync(notBackup, 'not a backup');
      for (const bad of [truncated, corrupt, notBackup]) {
        const refused = await runCliWith({ DATA_DIR: fresh }, ['restore', bad, '--force']);
        expect(refused.code, bad).toBe(1);
        expect(refused.stderr).toContain(`${bad} is not a usable backup`);
      }
      const existing = await runCliWith({ DATA_DIR: fresh }, ['restore', file]);
      expect(existing.code).toBe(1);
      expect(existing.stderr).toContain('holds a database already; pass --force to replace it');

      server = await serve(fresh);
      expect((await found(server.url)).map((hits) => hits[0])).toEqual(ids);
    });

    it('points to pg_dump and pg_restore in server mode', async () => {
      const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
      const [backup, restore] = await Promise.all([
        runCliWith(env, ['backup', join(work, 'server.dump')]),
        runCliWith(env, ['restore', join(work, 'backup.tgz')]),
      ]);
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain('use pg_dump');
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain('use pg_restore');
    });
  },
);
