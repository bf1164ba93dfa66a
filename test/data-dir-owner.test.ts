import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import {
  claimDataDir,
  DataDirInUseError,
  fetchOwner,
  OWNER_KEY_HEADER,
  ownerAddress,
  readOwnerKey,
} from '../src/db/data-dir-owner.js';
import { type CliResult, collect, spawnCli } from './helpers/cli.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { ApiClient } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { TEST_JWT_SECRET } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

const PASSWORD = 'a long enough password';
const { tempDir, track, removeTempDirs } = trackedTempDirs('ainstruct-owner-');

function baseEnv(extra: Record<string, string>): Record<string, string> {
  const path = process.env.PATH ?? '/usr/bin';
  return {
    PATH: path,
    HOME: process.env.HOME ?? '/tmp',
    LOG_LEVEL: 'silent',
    EMBEDDING_WORKERS: '1',
    ...extra,
  };
}

function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliResult> {
  return collect(spawnCli(args, baseEnv(env)), stdin);
}

/** A raw request on the owner's control socket. */
function control(
  dataDir: string,
  path: string,
  method: string,
  key?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== undefined) headers[OWNER_KEY_HEADER] = key;
    const req = request({ socketPath: ownerAddress(dataDir), path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

afterAll(() => {
  removeTempDirs();
});

describe.runIf(TEST_DB === 'pglite')('one owner per DATA_DIR (the lock)', () => {
  it('a second claim is refused naming the owner, whatever the spelling of the path; release frees it', async () => {
    const dir = tempDir();
    const link = `${dir}-link`;
    symlinkSync(dir, link);
    track(link);
    const first = await claimDataDir(dir, 'import');
    try {
      for (const spelling of [dir, `${dir}/`, link, join(dir, '..', dir.split('/').pop() ?? '')]) {
        const refused = await claimDataDir(spelling, 'serve').then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(DataDirInUseError);
        const owner = (refused as DataDirInUseError).owner;
        expect(owner).toMatchObject({ pid: process.pid, command: 'import', accepts_operations: false });
        expect((refused as Error).message).toContain(`\`ainstruct import\` (pid ${process.pid})`);
      }
    } finally {
      await first.release();
    }
    const again = await claimDataDir(link, 'serve');
    await again.release();
    await again.release(); // twice is harmless
  });

  it('the database files of an owned DATA_DIR are never opened: refused before anything is created', async () => {
    const dir = tempDir();
    const owner = await claimDataDir(dir, 'reindex');
    try {
      await expect(openDatabase({ dataDir: dir, command: 'serve' })).rejects.toBeInstanceOf(
        DataDirInUseError,
      );
      expect(existsSync(join(dir, 'pgdata'))).toBe(false);
    } finally {
      await owner.release();
    }
    const handle = await openDatabase({ dataDir: dir, command: 'migrate' });
    expect(handle.ownership?.info.command).toBe('migrate');
    await expect(claimDataDir(dir, 'serve')).rejects.toBeInstanceOf(DataDirInUseError);
    await handle.close();
    expect(await fetchOwner(dir)).toBeUndefined();
  });

  it('the control socket tells who owns it, and runs nothing without the owner key', async () => {
    const dir = tempDir();
    const owner = await claimDataDir(dir, 'serve');
    try {
      const info = await control(dir, '/owner', 'GET');
      expect(info.status).toBe(200);
      expect(JSON.parse(info.body)).toMatchObject({ pid: process.pid, command: 'serve' });
      expect(info.body).not.toContain(readOwnerKey(dir) ?? 'no key');
      expect((await control(dir, '/operations/migrate', 'POST')).status).toBe(401);
      expect((await control(dir, '/operations/migrate', 'POST', 'f'.repeat(64))).status).toBe(401);
      // The right key, but nothing serves operations yet (a starting server): refused, not run.
      const busy = await control(dir, '/operations/migrate', 'POST', readOwnerKey(dir));
      expect(busy.status).toBe(503);
      expect(JSON.parse(busy.body).error.code).toBe('OWNER_BUSY');
    } finally {
      await owner.release();
    }
  });

  it('a stale owner file from a dead process does not block a new owner', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: 999999, command: 'serve', key: 'old' }));
    const owner = await claimDataDir(dir, 'serve');
    expect(readOwnerKey(dir)).not.toBe('old');
    await owner.release();
  });
});

describe('command-line operations while a server runs (the README set-up order)', {
  timeout: 300_000,
}, () => {
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  let dataDir: string;
  let server: CliServer | undefined;

  beforeAll(async () => {
    dataDir = tempDir();
    if (TEST_DB === 'postgres') {
      database = await createTestDatabase('postgres');
      env = { DATABASE_URL: database.url ?? '', JWT_SECRET_KEY: TEST_JWT_SECRET };
    } else {
      env = { DATA_DIR: dataDir };
    }
    server = await startCliServer(baseEnv({ ...env, HOST: '127.0.0.1', PORT: '0' }));
  }, 200_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await database?.drop();
  });

  it('user create --superuser is at once usable on the running server (and survives its kill -9, below)', async () => {
    const created = await runCli(
      ['user', 'create', 'alice', 'alice@example.com', '--superuser'],
      env,
      `${PASSWORD}\n`,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created superuser alice \([0-9a-f-]{36}\)/);
    if (TEST_DB === 'pglite')
      expect(created.stdout).toContain(`through the running server, pid ${server?.child.pid}`);

    const api = new ApiClient(server?.url ?? '');
    const login = await api.post('/api/v1/auth/login', { username: 'alice', password: PASSWORD });
    expect(login.status).toBe(200);
    expect((await api.get('/api/v1/admin/users', login.body.access_token)).status).toBe(200);

    // Refusals come back as the service's own messages, and exit non-zero.
    const taken = await runCli(['user', 'create', 'ALICE', 'other@example.com'], env, `${PASSWORD}\n`);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('That username is already registered');
    expect(taken.stdout).toBe('');
    const unknown = await runCli(['user', 'promote', 'nobody'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user with username or email "nobody"');
  });

  it('user promote, migrate, import and reindex work through the running server', async () => {
    const bob = await runCli(['user', 'create', 'bob', 'bob@example.com'], env, `${PASSWORD}\n`);
    expect(bob.code, bob.stderr).toBe(0);
    const promoted = await runCli(['user', 'promote', 'bob@example.com'], env);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/^bob is now a superuser/);

    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/^Database is up to date/);

    const folder = tempDir();
    for (let i = 0; i < 5; i++) {
      writeFileSync(
        join(folder, `note-${i}.md`),
        `# Gardening note ${i}\n\nTomatoes need ${i + 3} hours of sun.\n`,
      );
    }
    const imported = await runCli(['import', folder, '--collection', 'garden', '--user', 'bob'], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Stored 5, already present 0, skipped 0, failed 0');
    const again = await runCli(['import', folder, '--collection', 'garden', '--user', 'bob'], env);
    expect(again.stdout).toContain('Stored 0, already present 5');

    const api = new ApiClient(server?.url ?? '');
    const login = await api.post('/api/v1/auth/login', { username: 'bob', password: PASSWORD });
    const token = login.body.access_token;
    const found = await api.post(
      '/api/v1/documents/search',
      { query: 'tomatoes sun', mode: 'keyword' },
      token,
    );
    expect(found.status).toBe(200);
    expect(found.body.total_results).toBeGreaterThan(0);
    // The import's stores were counted in bob's usage like API calls.
    const usage = await api.get('/api/v1/usage', token);
    expect(usage.body.api_requests).toBeGreaterThanOrEqual(5);

    const reindexed = await runCli(['reindex', '--force'], env);
    expect(reindexed.code, reindexed.stderr).toBe(0);
    expect(reindexed.stdout).toMatch(/^Re-embedded \d+ documents/);
    const semantic = await api.post(
      '/api/v1/documents/search',
      { query: 'tomatoes sun', mode: 'semantic' },
      token,
    );
    expect(semantic.body.total_results).toBeGreaterThan(0);
  });

  it.runIf(TEST_DB === 'pglite')(
    'a second server on the same DATA_DIR refuses, naming the owner pid and port',
    async () => {
      const second = await runCli(['serve'], { ...env, PORT: '0', HOST: '127.0.0.1' });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`owned by a running server (pid ${server?.child.pid}, ${server?.url})`);
      expect(second.stderr).toContain('another DATA_DIR');
      // The refused server changed nothing: the owner still serves the same data.
      const login = await new ApiClient(server?.url ?? '').post('/api/v1/auth/login', {
        username: 'alice',
        password: PASSWORD,
      });
      expect(login.status).toBe(200);
    },
  );

  it.runIf(TEST_DB === 'pglite')(
    'after kill -9 of the owner, a new server takes the DATA_DIR over with every account',
    async () => {
      server?.child.kill('SIGKILL');
      await server?.exited;
      server = await startCliServer(baseEnv({ ...env, HOST: '127.0.0.1', PORT: '0' }));
      const api = new ApiClient(server.url);
      for (const username of ['alice', 'bob']) {
        expect((await api.post('/api/v1/auth/login', { username, password: PASSWORD })).status).toBe(200);
      }
    },
  );
});

describe.runIf(TEST_DB === 'pglite')('a DATA_DIR owned by a command', { timeout: 120_000 }, () => {
  it('refuses a server and other commands before they touch anything, saying what to do', async () => {
    const dir = tempDir();
    const owner = await claimDataDir(dir, 'import');
    try {
      const [serve, create] = await Promise.all([
        runCli(['serve'], { DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1' }),
        runCli(['user', 'create', 'carol', 'carol@example.com'], { DATA_DIR: dir }, `${PASSWORD}\n`),
      ]);
      expect(serve.code).toBe(1);
      expect(serve.stderr).toContain(`owned by \`ainstruct import\` (pid ${process.pid})`);
      expect(create.code).toBe(1);
      expect(create.stderr).toContain('Wait for it to finish, then run this again');
      expect(create.stdout).not.toContain('Created');
      expect(existsSync(join(dir, 'pgdata'))).toBe(false);
    } finally {
      await owner.release();
    }
  });
});
