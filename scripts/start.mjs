#!/usr/bin/env node
// Runs the compiled CLI, building it first when dist/ is missing or older than any source file, so
// `npm start` works on a fresh clone with no separate build step.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'cli.js');

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stats = statSync(path);
    latest = Math.max(latest, stats.isDirectory() ? newest(path) : stats.mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);
if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
  console.error('ainstruct: building…');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
}
process.argv.splice(1, 1, entry);
await import(entry);
