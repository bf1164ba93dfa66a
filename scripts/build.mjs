#!/usr/bin/env node
// The production build: the server's TypeScript to dist/, then the web UI's assets to dist/web/.
import { execFileSync } from 'node:child_process';
import { rmSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
// The compilers' progress goes to stderr, so stdout stays clean for `npm pack --json`, which runs this as prepack.
const stdio = ['inherit', 2, 'inherit'];
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  stdio,
  cwd: root,
});
// Vite's own bin through this Node, so the build does not depend on PATH or npx.
execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
  stdio,
  cwd: root,
});
// Mark the entry point as newest so start.mjs does not rebuild on every start.
const now = new Date();
utimesSync(join(root, 'dist', 'cli.js'), now, now);
