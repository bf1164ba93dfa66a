import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The pool starts `worker.js` itself when it runs as compiled JavaScript, and goes through tsx only from
 * sources; every other test here runs from sources. This one compiles the embeddings module the way the build
 * does (`rootDir: src`) into a temporary directory and runs it with plain `node`, no tsx anywhere.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
let dir = '';

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ainstruct-compiled-'));
  // Only the embeddings module and what it imports, so other modules' work in progress cannot break this
  // test.
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: {
        rootDir: join(root, 'src'),
        outDir: join(dir, 'dist'),
        noEmit: false,
        sourceMap: false,
      },
      // worker.ts is imported by nothing (the pool starts it by URL), so it must be listed like the build's
      // glob does.
      files: [join(root, 'src/embeddings/registry.ts'), join(root, 'src/embeddings/local/worker.ts')],
      include: [],
    }),
  );
  // Compiled output resolves packages and its module type the way dist/ does inside the repository.
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(
    join(dir, 'main.mjs'),
    `import { createEmbeddingProvider } from './dist/embeddings/registry.js';
const provider = createEmbeddingProvider({ provider: 'local', localWorkers: 1 });
const [a, b] = await provider.embed(['compiled worker', ''], 'document');
await provider.close();
process.stdout.write(JSON.stringify({ a: a.length, b: b.length }));`,
  );
});

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('compiled build', () => {
  it('starts the worker from compiled JavaScript under plain node', async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const compiled = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], dir);
    expect(compiled.code, compiled.output).toBe(0);
    const result = await run(process.execPath, ['main.mjs'], dir);
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(result.output)).toEqual({ a: 512, b: 512 });
  });
});
