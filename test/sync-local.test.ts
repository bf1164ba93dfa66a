import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderExportFile } from '../src/cli/export-envelope.js';
import { type CliResult, cliEnv, collect, runCliWith, spawnCli } from './helpers/cli.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

/** `ainstruct sync` on this installation's database (through operations), and the export round trip. */

let database: TestDatabase | undefined;
let dbEnv: Record<string, string>;
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-sync-');

const runCli = (args: string[], stdin = ''): Promise<CliResult> => runCliWith(dbEnv, args, stdin);

function tree(root: string): Map<string, string> {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  return new Map(walk(root).map((file) => [relative(root, file), readFileSync(file, 'utf8')]));
}

beforeAll(async () => {
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dbEnv = { DATA_DIR: tempDir('ainstruct-sync-db-') };
  }
  const created = await runCli(['user', 'create', 'alice', 'alice@example.com'], 'correct horse battery\n');
  expect(created.code, created.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await database?.drop();
  removeTempDirs();
});

describe('ainstruct sync (local database)', { timeout: 180_000 }, () => {
  it('round-trips through export: syncing an export into a new collection gives the same content and metadata', async () => {
    const source = tempDir('ainstruct-sync-src-');
    const files: Record<string, string> = {
      'guides/setup.md':
        '---\ntitle: Setting up\ntags: [lab, setup]\n---\n# Setup\r\n\r\nCRLF and “quotes” 🎉\n',
      'notes.txt': 'plain text, no trailing newline',
      'code/query.sql': 'select 1;\n',
      // A file written by export elsewhere: its title, type and metadata come back as they were.
      'kept/exported.md':
        renderExportFile({
          id: '00000000-0000-0000-0000-000000000001',
          title: 'Exported title',
          document_type: 'markdown',
          metadata: { source_path: 'kept/exported.md', nested: { n: 1.5, list: [1, 'two', null] } },
          content: '---\nown: front matter\n---\nbody kept byte for byte\n',
          created_at: '',
          updated_at: '',
          path: 'kept/exported.md',
        }) ?? '',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(source, path)), { recursive: true });
      writeFileSync(join(source, path), content);
    }
    const first = await runCli(['sync', source, '--collection', 'source']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Synced "source": stored 4, updated 0, deleted 0, unchanged 0');

    const exported = join(tempDir('ainstruct-sync-exp-'), 'out');
    const exportRun = await runCli(['export', exported, '--collection', 'source']);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    const synced = await runCli(['sync', exported, '--collection', 'restored']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toContain('Synced "restored": stored 4');

    // The restored collection exports to the very same files: titles, types, metadata and content.
    const back = join(tempDir('ainstruct-sync-back-'), 'out');
    const backRun = await runCli(['export', back, '--collection', 'restored']);
    expect(backRun.code, backRun.stderr).toBe(0);
    const before = tree(exported);
    expect([...before.keys()].sort()).toEqual(Object.keys(files).sort());
    expect(tree(back)).toEqual(before);
    // The exported file's envelope was read, not stored as content (its metadata gains the content's own front
    // matter keys, as on any store).
    expect(before.get('kept/exported.md')).toMatch(
      /^---\nainstruct_export: 1\ntitle: Exported title\n[\s\S]*nested:[\s\S]*\n---\n---\nown: front matter\n---\nbody kept byte for byte\n$/,
    );

    // And again: nothing to do.
    const again = await runCli(['sync', exported, '--collection', 'restored']);
    expect(again.stdout).toContain('stored 0, updated 0, deleted 0, unchanged 4');

    // An edited export block with the same content: the title and metadata are updated, nothing else.
    const edited = join(exported, 'notes.txt');
    const text = readFileSync(edited, 'utf8');
    expect(text).toMatch(/\ntitle: [^\n]+\n/);
    writeFileSync(
      edited,
      text
        .replace(/\ntitle: [^\n]+\n/, '\ntitle: Renamed notes\n')
        .replace('metadata:\n', 'metadata:\n  status: edited\n'),
    );
    const retitled = await runCli(['sync', exported, '--collection', 'restored']);
    expect(retitled.code, retitled.stderr).toBe(0);
    expect(retitled.stdout).toContain('stored 0, updated 1, deleted 0, unchanged 3');
    const after = join(tempDir('ainstruct-sync-after-'), 'out');
    expect((await runCli(['export', after, '--collection', 'restored'])).code).toBe(0);
    const notes = tree(after).get('notes.txt') ?? '';
    expect(notes).toContain('\ntitle: Renamed notes\n');
    expect(notes).toContain('status: edited');
    expect(notes.endsWith('\n---\nplain text, no trailing newline')).toBe(true);
  });

  it('resumes after kill -9 mid-sync on the local database, one document per path', async () => {
    const folder = tempDir('ainstruct-sync-kill-');
    const total = 25;
    for (let i = 0; i < total; i++) writeFileSync(join(folder, `n${i}.md`), `# Note ${i}\n\nbody ${i}\n`);
    const child = spawnCli(['sync', folder, '--collection', 'killed'], cliEnv(dbEnv));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // The first progress line: at least one file is committed, the rest are not yet.
      if (/sync \[.*\] [1-9]\d*\/25/.test(stderr) && child.exitCode === null) child.kill('SIGKILL');
    });
    const killed = await collect(child);
    expect(killed.code, stderr).toBeNull();

    const resumed = await runCli(['sync', folder, '--collection', 'killed']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const unchanged = Number(/unchanged (\d+)/.exec(resumed.stdout)?.[1]);
    expect(unchanged).toBeGreaterThanOrEqual(1);
    expect(resumed.stdout).toContain(
      `stored ${total - unchanged}, updated 0, deleted 0, unchanged ${unchanged}`,
    );
    const lines = await runCli(['export', '-', '--format', 'jsonl', '--collection', 'killed']);
    const paths = lines.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { path: string }).path);
    expect(paths).toHaveLength(total);
    expect(new Set(paths).size).toBe(total);
  });
});
