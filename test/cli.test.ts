import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PUBLIC_DEFAULT_JWT_SECRET } from '../src/config.js';
import { type RunningServer, startServer } from '../src/server.js';
import { VERSION } from '../src/version.js';
import { type CliResult, collect, spawnCli } from './helpers/cli.js';
import { ApiClient, createUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { TEST_JWT_SECRET, testEnv } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

const PASSWORD = 'a long enough password';
const CLI_TIMEOUT_MS = 90_000;

type Env = Record<string, string | undefined>;

/** The environment of a CLI process: only what it needs (no inherited configuration), undefined = removed. */
function cliEnv(env: Env): Record<string, string> {
  const merged: Env = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...env };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Runs the real CLI to completion, feeding `stdin` (then end of input). */
function runCli(args: string[], env: Env, stdin = ''): Promise<CliResult> {
  return collect(spawnCli(args, cliEnv(env)), stdin);
}

let database: TestDatabase | undefined;
let dataDir: string;
/** Where this run's CLI and servers keep their data: the test PostgreSQL database, or a PGlite DATA_DIR. */
let dbEnv: Record<string, string>;
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-cli-');

/** An in-process server on the CLI's database; for PGlite it must be closed before the CLI runs again. */
async function serverOn(env: Record<string, string>, remove: string[] = []): Promise<RunningServer> {
  const source: Env = testEnv(env);
  for (const key of remove) delete source[key];
  return startServer(loadConfig(source));
}

async function withServer<T>(fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const server = await serverOn(dbEnv);
  try {
    return await fn(new ApiClient(server.url));
  } finally {
    await server.close();
  }
}

beforeAll(async () => {
  dataDir = tempDir();
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dbEnv = { DATA_DIR: dataDir };
  }
});
afterAll(async () => {
  await database?.drop();
  removeTempDirs();
});

const env = () => ({ ...dbEnv, JWT_SECRET_KEY: TEST_JWT_SECRET });

// Every CLI run is a fresh Node process (a few seconds each on a busy machine), so these tests get more time.
describe('ainstruct CLI', { timeout: 180_000 }, () => {
  it('prints its usage with --help, and fails on an unknown command', async () => {
    // Commands that exit before opening the database run side by side. (No command at all is `serve`: the
    // package test starts it that way.)
    const [help, unknown] = await Promise.all([runCli(['--help'], {}), runCli(['frobnicate'], {})]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('ainstruct user create <username> <email> [--superuser]');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
  });

  it('migrate applies the migrations, then reports the database up to date', async () => {
    const first = await runCli(['migrate'], env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied: \S+/);
    const second = await runCli(['migrate'], env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe('Database is up to date');
  });

  it('user create --superuser (password on stdin) makes a superuser who can log in', async () => {
    const created = await runCli(
      ['user', 'create', 'alice', 'alice@example.com', '--superuser'],
      env(),
      `${PASSWORD}\n`,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created superuser alice \([0-9a-f-]{36}\)/);
    expect(created.stdout).not.toContain(PASSWORD);

    await withServer(async (api) => {
      const login = await api.post('/api/v1/auth/login', { username: 'alice', password: PASSWORD });
      expect(login.status).toBe(200);
      const profile = await api.get('/api/v1/auth/profile', login.body.access_token);
      expect(profile.body).toMatchObject({
        username: 'alice',
        email: 'alice@example.com',
        is_superuser: true,
      });
      expect((await api.get('/api/v1/admin/users', login.body.access_token)).status).toBe(200);
      // Like a registered user, she has a default collection.
      const collections = await api.get('/api/v1/collections', login.body.access_token);
      expect(collections.body.collections.map((c: { name: string }) => c.name)).toEqual(['default']);
      // Only the first line of stdin is the password.
      expect(
        (await api.post('/api/v1/auth/login', { username: 'alice', password: `${PASSWORD}\n` })).status,
      ).toBe(401);
    });
  });

  it('user create refuses a short password, a bad username or email, and a taken name, with a clear message', async () => {
    // These are refused before the database is opened, so they can run side by side.
    const [short, badName, badEmail] = await Promise.all([
      runCli(['user', 'create', 'dave', 'dave@example.com'], env(), 'short\n'),
      runCli(['user', 'create', 'bad name', 'bad@example.com'], env(), `${PASSWORD}\n`),
      runCli(['user', 'create', 'bademail', 'not-an-email'], env(), `${PASSWORD}\n`),
    ]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('Password must be at least 8 characters');
    expect(short.stdout).toBe('');
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('Username may contain only letters, digits');
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toContain('Email must be a valid email address');

    // The refused attempt left nothing behind: the same name can now be created.
    const created = await runCli(['user', 'create', 'dave', 'dave@example.com'], env(), `${PASSWORD}\n`);
    expect(created.code, created.stderr).toBe(0);
    const again = await runCli(['user', 'create', 'DAVE', 'other@example.com'], env(), `${PASSWORD}\n`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('That username is already registered');

    const unknown = await runCli(['user', 'promote', 'bad name'], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user with username or email "bad name"');
  });

  it('user create refuses a wrong argument count with the usage', async () => {
    const result = await runCli(['user', 'create', 'onlyname'], env(), `${PASSWORD}\n`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("missing required argument 'email'");
  });

  it('prints its version, and each command its own help', async () => {
    const [version, short, importHelp, reindexHelp, userCreateHelp, exportHelp] = await Promise.all([
      runCli(['--version'], {}),
      runCli(['-v'], {}),
      runCli(['import', '--help'], {}),
      runCli(['reindex', '-h'], {}),
      runCli(['user', 'create', '--help'], {}),
      runCli(['export', '--help'], {}),
    ]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    expect(short.stdout.trim()).toBe(VERSION);
    expect(importHelp.code).toBe(0);
    expect(importHelp.stdout).toContain('Usage: ainstruct import [options] <folder>');
    expect(importHelp.stdout).toContain('--collection <name>');
    expect(reindexHelp.stdout).toContain('--vectors');
    expect(reindexHelp.stdout).toContain('--force');
    expect(userCreateHelp.stdout).toContain('Usage: ainstruct user create [options] <username> <email>');
    expect(userCreateHelp.stdout).toContain('--superuser');
    expect(exportHelp.stdout).toContain('Usage: ainstruct export [options] <target>');
    expect(exportHelp.stdout).toContain('--format <format>');
    expect(exportHelp.stdout).toContain('choices: "files", "jsonl"');
  });

  it('refuses an unknown option, a misplaced one and an unknown subcommand, before touching anything', async () => {
    const [unknownOption, misplaced, unknownSub] = await Promise.all([
      runCli(['reindex', '--bogus'], {}),
      // --force belongs to reindex: other commands no longer accept every option silently.
      runCli(['migrate', '--force'], {}),
      runCli(['user', 'frobnicate'], {}),
    ]);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr).toContain("unknown option '--bogus'");
    expect(misplaced.code).toBe(1);
    expect(misplaced.stderr).toContain("unknown option '--force'");
    expect(unknownSub.code).toBe(1);
    expect(unknownSub.stderr).toContain('user: unknown command "frobnicate"');
  });

  it('user promote makes an existing user a superuser (by username or email)', async () => {
    const carol = await runCli(['user', 'create', 'carol', 'Carol@Example.com'], env(), `${PASSWORD}\n`);
    expect(carol.code, carol.stderr).toBe(0);
    expect(carol.stdout).toMatch(/^Created user carol /);

    const promoted = await runCli(['user', 'promote', 'CAROL'], env());
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout.trim()).toBe('carol is now a superuser');
    // Found by email too, ignoring case (and promoting again is harmless).
    const byEmail = await runCli(['user', 'promote', 'carol@example.com'], env());
    expect(byEmail.code, byEmail.stderr).toBe(0);
    expect(byEmail.stdout.trim()).toBe('carol is now a superuser');

    await withServer(async (api) => {
      const login = await api.post('/api/v1/auth/login', { username: 'carol', password: PASSWORD });
      expect(login.status).toBe(200);
      const profile = await api.get('/api/v1/auth/profile', login.body.access_token);
      expect(profile.body.is_superuser).toBe(true);
      expect((await api.get('/api/v1/admin/users', login.body.access_token)).status).toBe(200);
    });
  });

  it('fails on an invalid variable with a message naming it', async () => {
    const commands = [['migrate'], ['serve']];
    const results = await Promise.all(commands.map((command) => runCli(command, { ...env(), PORT: 'abc' })));
    for (const [i, result] of results.entries()) {
      expect(result.code, commands[i]?.join(' ')).toBe(1);
      expect(result.stderr).toContain('Invalid configuration');
      expect(result.stderr).toContain('PORT');
    }
  });

  it('refuses server mode without a JWT_SECRET_KEY, or with the public default, naming JWT_SECRET_KEY', async () => {
    const url = database?.url ?? 'postgres://postgres@127.0.0.1:5432/ainstruct_cli_unused';
    const results = await Promise.all(
      [undefined, PUBLIC_DEFAULT_JWT_SECRET].map((secret) =>
        runCli(['serve'], { DATABASE_URL: url, JWT_SECRET_KEY: secret, PORT: '0' }),
      ),
    );
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('JWT_SECRET_KEY');
    }
  });

  it('serve answers HTTP and shuts down cleanly on SIGTERM', async () => {
    const child = spawnCli(
      ['serve'],
      cliEnv({ ...env(), HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', EMBEDDING_WORKERS: '1' }),
    );
    let output = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`serve did not start: ${output}${stderr}`)),
          CLI_TIMEOUT_MS,
        );
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          output += chunk;
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}${stderr}`)));
      });
      const api = new ApiClient(url);
      expect((await api.get('/health')).body).toEqual({ status: 'healthy' });
      const ready = await api.get('/ready');
      expect(ready.body.checks.database).toBe('ok');
      expect((await api.get('/api/v1/auth/profile')).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

describe.runIf(TEST_DB === 'pglite')('embedded mode (PGlite in DATA_DIR)', { timeout: 120_000 }, () => {
  it('keeps accounts, data and sessions across restarts; without JWT_SECRET_KEY a 0600 secret file is reused', async () => {
    const dir = tempDir();
    const secretFile = join(dir, 'jwt-secret');
    const first = await serverOn({ DATA_DIR: dir }, ['JWT_SECRET_KEY']);
    let user: Awaited<ReturnType<typeof createUser>>;
    let secret: string;
    try {
      const api = new ApiClient(first.url);
      user = await createUser(api, 'persist');
      expect((await api.post('/api/v1/collections', { name: 'kept' }, user.accessToken)).status).toBe(201);
      expect(existsSync(secretFile)).toBe(true);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      secret = readFileSync(secretFile, 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(secret).not.toBe(PUBLIC_DEFAULT_JWT_SECRET);
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, 'pgdata'))).toBe(true);

    const second = await serverOn({ DATA_DIR: dir }, ['JWT_SECRET_KEY']);
    try {
      const api = new ApiClient(second.url);
      // A token issued before the restart still verifies: the same secret was read back, the session kept.
      const profile = await api.get('/api/v1/auth/profile', user.accessToken);
      expect(profile.status).toBe(200);
      expect(profile.body.user_id).toBe(user.userId);
      expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret);
      const login = await api.post('/api/v1/auth/login', {
        username: user.username,
        password: user.password,
      });
      expect(login.status).toBe(200);
      const collections = await api.get('/api/v1/collections', login.body.access_token);
      expect(collections.body.collections.map((c: { name: string }) => c.name).sort()).toEqual([
        'default',
        'kept',
      ]);
    } finally {
      await second.close();
    }
  });

  it('with a configured JWT_SECRET_KEY writes no secret file', () => {
    // The shared DATA_DIR has been used by the CLI and by servers above, always with JWT_SECRET_KEY set.
    expect(existsSync(join(dataDir, 'pgdata'))).toBe(true);
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
  });
});
