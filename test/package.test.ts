import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ROOT } from './helpers/cli.js';
import { TEST_DB } from './helpers/database.js';

const run = promisify(execFile);
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
};
/** What `npm pack` needs from the checkout to run prepack (the build); node_modules is linked, not copied. */
const CHECKOUT = [
  'package.json',
  'package-lock.json',
  'README.md',
  'scripts',
  'src',
  'migrations',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.web.json',
  'vite.config.ts',
];
const START_TIMEOUT_MS = 120_000;

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let work: string;
let pack: PackResult;
let app: string;

/**
 * A lockfile for an app that depends only on the tarball: the tarball's entry plus every non-dev entry of the
 * project's own lockfile (the same tree `npm ci --omit=dev` installs). With it `npm ci --offline` takes every
 * package from the npm cache by its integrity. `npm install --offline <tarball>` cannot: resolving the
 * tarball's dependency ranges needs the registry's package documents, which `npm ci` never puts in the cache.
 */
function writeAppLock(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
  };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'ainstruct-package-test', dependencies: { ainstruct: spec } },
    'node_modules/ainstruct': {
      version: PACKAGE.version,
      resolved: spec,
      license: PACKAGE.license,
      dependencies: PACKAGE.dependencies,
      bin: PACKAGE.bin,
      engines: PACKAGE.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    const { devOptional, ...rest } = entry;
    // Needed by dev and by an optional runtime dependency: for the app it is just optional.
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'ainstruct-package-test', private: true, dependencies: { ainstruct: spec } }),
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'ainstruct-package-test', lockfileVersion: 3, requires: true, packages }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Packing builds the server and UI, and installing copies ~200 MB: slow, so once, in the PGlite pass only.
describe.skipIf(TEST_DB === 'postgres')('the npm package', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ainstruct-package-'));
    // Packed from a copy, so prepack's build (which empties dist/) never races tests that read this dist/.
    const checkout = join(work, 'checkout');
    for (const entry of CHECKOUT) cpSync(join(ROOT, entry), join(checkout, entry), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    const destination = join(work, 'pack');
    mkdirSync(destination);
    const packed = await run('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: checkout,
      maxBuffer: 64 * 1024 * 1024,
    });
    [pack] = JSON.parse(packed.stdout) as [PackResult];
    app = join(work, 'app');
    mkdirSync(app);
    writeAppLock(app, join(destination, pack.filename));
    await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
      cwd: app,
      maxBuffer: 64 * 1024 * 1024,
    });
  }, 600_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the build and the migrations, and no sources, tests, benchmarks, data or secrets', () => {
    const paths = pack.files.map((file) => file.path);
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('dist/web/index.html');
    expect(paths).toContain('migrations/meta/_journal.json');
    expect(paths.filter((path) => /^(src|test|bench|data|deploy|scripts)\//.test(path))).toEqual([]);
    expect(paths.filter((path) => /(^|\/)\.env|\.test\.js$|\.tgz$/.test(path))).toEqual([]);
  });

  it('prints its version', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'ainstruct'), ['--version'], { cwd: app });
    expect(stdout.trim()).toBe(PACKAGE.version);
  });

  it('with no command serves the API, the UI and the OpenAPI document, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child: ChildProcessWithoutNullStreams = spawn(join(app, 'node_modules', '.bin', 'ainstruct'), [], {
      cwd: app,
      env: cliEnv(
        { DATA_DIR: join(work, 'data') },
        { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' },
      ),
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), START_TIMEOUT_MS);
        const onData = (chunk: string) => {
          output += chunk;
          const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        child.stdout.setEncoding('utf8').on('data', onData);
        child.stderr.setEncoding('utf8').on('data', onData);
        void exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      expect(url).toBe(`http://127.0.0.1:${port}`);
      // Not a terminal: the log is JSON lines only (no banner), and the startup line carries the facts.
      const lines = output.split('\n').filter((line) => line.startsWith('{'));
      const started = lines.map((line) => JSON.parse(line)).find((entry) => entry.mcp);
      expect(started).toMatchObject({
        url,
        mcp: `${url}/mcp`,
        database: 'embedded',
        dataDir: join(work, 'data'),
      });
      expect(output).not.toContain('Next steps');
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'healthy' });
      const ready = (await (await fetch(`${url}/ready`)).json()) as { checks: { database: string } };
      expect(ready.checks.database).toBe('ok');
      const page = await fetch(`${url}/`);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toMatch(/<div id="root">/);
      const openapi = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as {
        info: { version: string };
      };
      expect(openapi.info.version).toBe(PACKAGE.version);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });
});
