import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Proves that the bundled model needs no network: a child process loads it with every way out (fetch, http,
 * https, net, tls, dns) replaced by a function that records the attempt and throws. The preload is passed
 * with `--import`, which worker threads inherit, so it guards the pool's workers as well as the main thread.
 */
const PRELOAD = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';
const require = createRequire(import.meta.url);
const deny = (what) => (...args) => {
  process.stderr.write('NETWORK ATTEMPT ' + what + ' ' + String(args[0]).slice(0, 200) + '\\n');
  throw new Error('network access blocked: ' + what);
};
globalThis.fetch = deny('fetch');
for (const [name, fns] of [
  ['http', ['request', 'get']], ['https', ['request', 'get']], ['net', ['connect', 'createConnection']],
  ['tls', ['connect']], ['dns', ['lookup', 'resolve']],
]) {
  const mod = require('node:' + name);
  for (const fn of fns) mod[fn] = deny(name + '.' + fn);
}
syncBuiltinESMExports();
process.stderr.write('PRELOAD ' + (isMainThread ? 'main' : 'worker ' + threadId) + '\\n');
`;

const CHILD = `
const encoderUrl = process.argv[2];
const providerUrl = process.argv[3];
const { UseEncoder } = await import(encoderUrl);
const { LocalEmbeddingProvider } = await import(providerUrl);
const inProcess = await UseEncoder.load();
const flat = await inProcess.embed(['offline in the main thread']);
const pool = new LocalEmbeddingProvider({ workers: 1 });
const [vector] = await pool.embed(['offline in a worker thread'], 'document');
await pool.close();
let sum = 0;
for (const x of vector) sum += x * x;
process.stdout.write(JSON.stringify({ inProcess: flat.length, pooled: vector.length, norm: Math.sqrt(sum) }));
`;

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ainstruct-offline-'));
  await writeFile(join(dir, 'block-network.mjs'), PRELOAD);
  await writeFile(join(dir, 'child.mjs'), CHILD);
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('local model offline', () => {
  it('loads and embeds with all network access blocked, in-process and in the worker pool', async () => {
    const tsx = import.meta.resolve('tsx');
    const result = await run([
      '--import',
      tsx,
      '--import',
      pathToFileURL(join(dir, 'block-network.mjs')).href,
      join(dir, 'child.mjs'),
      new URL('./encoder.ts', import.meta.url).href,
      new URL('./provider.ts', import.meta.url).href,
    ]);
    expect(result.stderr).not.toContain('NETWORK ATTEMPT');
    expect(result.code, result.stderr).toBe(0);
    // The guard really ran in the worker too, not only in the main thread.
    expect(result.stderr).toContain('PRELOAD main');
    expect(result.stderr).toMatch(/PRELOAD worker \d+/);
    const output = JSON.parse(result.stdout) as { inProcess: number; pooled: number; norm: number };
    expect(output.inProcess).toBe(512);
    expect(output.pooled).toBe(512);
    expect(output.norm).toBeCloseTo(1, 5);
  });

  it('the guard itself works: a fetch in the child is reported and fails', async () => {
    await writeFile(
      join(dir, 'fetch.mjs'),
      "try { await fetch('https://example.com'); } catch { process.exit(3); }",
    );
    const result = await run([
      '--import',
      pathToFileURL(join(dir, 'block-network.mjs')).href,
      join(dir, 'fetch.mjs'),
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('NETWORK ATTEMPT fetch');
  });
});
