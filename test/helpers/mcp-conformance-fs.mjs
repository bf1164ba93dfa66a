/**
 * `fs` for the conformance CLI on Node 20: everything of the real module plus `globSync`, which it uses only
 * as `globSync('**\/checks.json', { cwd })` (collecting result files). Supports `**`, `*` and `?` in
 * slash-separated patterns, relative to `cwd`, returning relative paths of files, like Node 22's.
 */
import fs from 'node:fs';
import path from 'node:path';

export * from 'node:fs';
export default fs;

function segmentRegex(segment) {
  const escaped = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '[^/]*')
    .replaceAll('?', '[^/]');
  return new RegExp(`^${escaped}$`);
}

function matches(parts, segments) {
  if (segments.length === 0) return parts.length === 0;
  const [head, ...rest] = segments;
  if (head === '**') {
    for (let skip = 0; skip <= parts.length; skip += 1) {
      if (matches(parts.slice(skip), rest)) return true;
    }
    return false;
  }
  return parts.length > 0 && segmentRegex(head).test(parts[0]) && matches(parts.slice(1), rest);
}

function walk(root, relative, out) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(root, child, out);
    else out.push(child);
  }
}

export function globSync(patterns, options = {}) {
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const files = [];
  walk(cwd, '', files);
  const wanted = (Array.isArray(patterns) ? patterns : [patterns]).map((p) => p.split('/').filter(Boolean));
  return files.filter((file) => wanted.some((segments) => matches(file.split('/'), segments)));
}
