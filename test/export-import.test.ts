import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DOCUMENT_TYPES } from '../src/ingest/document-types.js';
import { type ExportLine, exportLine } from '../src/modules/export/export.schemas.js';
import { type RunningServer, startServer } from '../src/server.js';
import { findUnstorableText } from '../src/validation/storable.js';
import { type CliResult, runCliWith } from './helpers/cli.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { testEnv } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

let database: TestDatabase | undefined;
let dbEnv: Record<string, string>;
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-export-');
let owner: TestUser;

const runCli = (args: string[]): Promise<CliResult> => runCliWith(dbEnv, args);

/** An in-process server on the CLI's database (PGlite allows one process at a time: closed before the CLI). */
async function withServer<T>(fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const server: RunningServer = await startServer(loadConfig(testEnv({ ...dbEnv, EMBEDDING_WORKERS: '1' })));
  try {
    return await fn(new ApiClient(server.url));
  } finally {
    await server.close();
  }
}

async function restExport(api: ApiClient, token: string, collectionId: string): Promise<ExportLine[]> {
  const response = await fetch(`${api.baseUrl}/api/v1/collections/${collectionId}/export`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => exportLine.parse(JSON.parse(line)));
}

async function collectionId(api: ApiClient, token: string, name: string): Promise<string> {
  const list = await api.get('/api/v1/collections', token);
  const found = list.body.collections.find((c: { name: string }) => c.name === name);
  expect(found, name).toBeDefined();
  return found.collection_id as string;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const storable = (value: unknown) => findUnstorableText(value).length === 0;
/** Generated documents: any text (also starting with front matter or `---`), titles, types and metadata. */
const generated = fc.record({
  content: fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1 }),
    fc.string({ unit: 'grapheme' }).map((s) => `---\ntitle: Inner title\ntags: [a, b]\n---\n${s}`),
    fc.string({ unit: 'grapheme' }).map((s) => `---\n${s}\n---`),
  ),
  title: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  document_type: fc.constantFrom(...DOCUMENT_TYPES),
  metadata: fc
    .dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 })
    .map((m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>),
});

const ESCAPE = `ainstruct-escape-${process.pid}-${Date.now()}.md`;
const HANDPICKED = [
  { title: 'Plain', content: 'A plain note.\n', document_type: 'markdown', metadata: {} },
  {
    title: 'Ünïcødé 文档 📚',
    content: '# 見出し\n\nüñí — “quotes” 🎉\r\nCRLF line\r\n',
    document_type: 'markdown',
    metadata: { ключ: 'значение', n: 1.5, list: [1, 'two', null], nested: { deep: { x: true } } },
  },
  {
    title: 'Own front matter',
    content: '---\ntitle: From front matter\nproject: x\n---\n# Body\n',
    document_type: 'markdown',
    metadata: { extra: 'given' },
  },
  {
    title: 'Metadata named title',
    content: 'title collision',
    document_type: 'text',
    metadata: { title: 'not the title', document_type: 'sql' },
  },
  {
    title: 'Escape up',
    content: 'escape 1',
    document_type: 'markdown',
    metadata: { source_path: `../../${ESCAPE}` },
  },
  {
    title: 'Escape absolute',
    content: 'escape 2',
    document_type: 'markdown',
    metadata: { source_path: join(tmpdir(), ESCAPE) },
  },
  {
    title: 'Escape dots',
    content: 'escape 3',
    document_type: 'markdown',
    metadata: { path: `a/../../../${ESCAPE}` },
  },
  {
    title: 'NUL path',
    content: 'escape 4',
    document_type: 'markdown',
    metadata: { source_path: 'a\u0000b.md' },
  },
  {
    title: 'Recorded',
    content: 'recorded path',
    document_type: 'markdown',
    metadata: { source_path: 'guides/setup.md' },
  },
  {
    title: 'Recorded twice',
    content: 'recorded path again',
    document_type: 'markdown',
    metadata: { source_path: 'guides/setup.md' },
  },
  {
    title: 'Hidden folder',
    content: 'hidden',
    document_type: 'text',
    metadata: { source_path: '.git/notes.txt' },
  },
];

let original: ExportLine[];

beforeAll(async () => {
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dbEnv = { DATA_DIR: tempDir('ainstruct-export-db-') };
  }
  const samples = fc.sample(generated, { seed: 14, numRuns: 25 });
  original = await withServer(async (api) => {
    owner = await createUser(api, 'roundtrip');
    const source = await api.post('/api/v1/collections', { name: 'source' }, owner.accessToken);
    expect(source.status).toBe(201);
    const bodies = [...HANDPICKED, ...samples.map((s, i) => ({ ...s, content: `${s.content}\n${i}` }))];
    for (const body of bodies) {
      // What the API refuses (blank, unstorable text) is not a document to export.
      if (!storable(body) || body.content.trim() === '' || body.title.trim() === '') continue;
      const response = await api.post(
        '/api/v1/documents',
        { ...body, collection_id: source.body.collection_id },
        owner.accessToken,
      );
      expect([201, 200], JSON.stringify(response.body)).toContain(response.status);
    }
    return restExport(api, owner.accessToken, source.body.collection_id);
  });
  expect(original.length).toBeGreaterThan(HANDPICKED.length + 10);
}, 600_000);

afterAll(async () => {
  await database?.drop();
  removeTempDirs();
});

describe('ainstruct export', { timeout: 300_000 }, () => {
  it('writes files that import back to the same content (byte for byte) and metadata, never outside the folder', async () => {
    const parent = tempDir('ainstruct-export-out-');
    const folder = join(parent, 'out');
    const exported = await runCli(['export', folder, '--collection', 'source', '--user', owner.username]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`Exported ${original.length} documents of "source", failed 0`);

    // Nothing outside the folder; unsafe recorded paths fell back to titles, safe ones were kept.
    expect(readdirSync(parent)).toEqual(['out']);
    expect(existsSync(join(tmpdir(), ESCAPE))).toBe(false);
    const files = walk(folder).map((file) => relative(folder, file));
    expect(files).toHaveLength(original.length);
    expect(files).toContain('guides/setup.md');
    expect(files).toContain('Recorded twice.md');
    expect(files).toContain('Escape up.md');
    expect(files.some((file) => file.includes('..') || file.startsWith('.'))).toBe(false);
    expect(readFileSync(join(folder, 'guides/setup.md'), 'utf8')).toMatch(/^---\nainstruct_export: 1\n/);

    const imported = await runCli(['import', folder, '--collection', 'restored', '--user', owner.username]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Stored ${original.length}, already present 0, skipped 0, failed 0`);

    const restored = await withServer(async (api) =>
      restExport(api, owner.accessToken, await collectionId(api, owner.accessToken, 'restored')),
    );
    const byContent = new Map(restored.map((line) => [line.content, line]));
    expect(byContent.size).toBe(original.length);
    for (const line of original) {
      const back = byContent.get(line.content);
      expect(back, JSON.stringify(line.content)).toBeDefined();
      expect({ title: back?.title, type: back?.document_type, metadata: back?.metadata }).toEqual({
        title: line.title,
        type: line.document_type,
        metadata: line.metadata,
      });
    }
  });

  it('writes JSON lines to stdout or a file (never overwriting one), in the shape REST streams', async () => {
    const toStdout = await runCli([
      'export',
      '-',
      '--format',
      'jsonl',
      '--collection',
      'source',
      '--user',
      owner.username,
    ]);
    expect(toStdout.code, toStdout.stderr).toBe(0);
    const lines = toStdout.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => exportLine.parse(JSON.parse(line)));
    expect(lines).toEqual(original);
    expect(toStdout.stderr).toContain(`Exported ${original.length} documents`);

    const file = join(tempDir('ainstruct-export-jsonl-'), 'source.jsonl');
    const toFile = await runCli([
      'export',
      file,
      '--format',
      'jsonl',
      '--collection',
      'source',
      '--user',
      owner.username,
    ]);
    expect(toFile.code, toFile.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(toStdout.stdout);
    const again = await runCli([
      'export',
      file,
      '--format',
      'jsonl',
      '--collection',
      'source',
      '--user',
      owner.username,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${file} exists`);
    expect(readFileSync(file, 'utf8')).toBe(toStdout.stdout);
    // Written beside the target first and linked into place: no temporary file is left behind.
    expect(readdirSync(dirname(file))).toEqual(['source.jsonl']);
  });

  it('refuses a missing collection, a non-empty folder and an unknown format', async () => {
    const busy = tempDir('ainstruct-export-busy-');
    // One at a time: with PGlite, one process opens the database at a time.
    const missing = await runCli([
      'export',
      join(busy, 'x'),
      '--collection',
      'nope',
      '--user',
      owner.username,
    ]);
    const nonEmpty = await runCli(['export', tmpdir(), '--collection', 'source', '--user', owner.username]);
    const format = await runCli(['export', '-', '--format', 'csv', '--collection', 'source']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No collection named "nope"');
    expect(nonEmpty.code).toBe(1);
    expect(nonEmpty.stderr).toContain('is not empty');
    expect(format.code).toBe(1);
    expect(format.stderr).toContain("argument 'csv' is invalid");
  });
});
