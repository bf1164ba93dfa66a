import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, collect, runCliWith, spawnCli } from './helpers/cli.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { type CountingEmbedder, countingLocalEmbedder } from './helpers/counting-embedder.js';
import { createCat, createCollection, createPat } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

/**
 * `ainstruct sync --url` against a real server (the suite's database, the real bundled model wrapped to count
 * what it embeds), the CLI as a child process.
 */

let server: TestServer;
let embedder: CountingEmbedder;
let api: ApiClient;
let owner: TestUser;
let pat: string;
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-sync-');

/** Writes files (relative path → content) under a folder. */
function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

// No database for the CLI: with --url it only talks HTTP (an unused DATA_DIR keeps it from touching ./data).
const syncEnv = () => ({ DATA_DIR: tempDir('ainstruct-sync-nodb-') });
const sync = (folder: string, args: string[], token = pat): Promise<CliResult> =>
  runCliWith(syncEnv(), ['sync', folder, '--url', server.url, '--token', token, ...args]);

interface Listed {
  document_id: string;
  title: string;
  metadata: Record<string, unknown>;
  updated_at: string;
  chunk_count: number;
  content_hash: string;
}

async function documentsIn(collectionId: string, token = owner.accessToken): Promise<Listed[]> {
  const page = await api.get(`/api/v1/documents?collection_id=${collectionId}&limit=100`, token);
  expect(page.status, JSON.stringify(page.body)).toBe(200);
  return page.body.documents as Listed[];
}

const byPath = (docs: Listed[]) => new Map(docs.map((d) => [d.metadata.source_path as string, d]));

async function collectionNamed(name: string): Promise<string> {
  const list = await api.get('/api/v1/collections?limit=100', owner.accessToken);
  const found = list.body.collections.find((c: { name: string }) => c.name === name);
  expect(found, name).toBeDefined();
  return found.collection_id as string;
}

beforeAll(async () => {
  embedder = countingLocalEmbedder();
  // Small chunks, no overlap: a few sentences make a multi-chunk document, and an edit touches one chunk.
  server = await startTestServer({ CHUNK_MAX_TOKENS: '40', CHUNK_OVERLAP_TOKENS: '0' }, { embedder });
  api = new ApiClient(server.url);
  owner = await createUser(api, 'syncer');
  pat = (await createPat(api, owner.accessToken)).token;
}, 180_000);

afterAll(async () => {
  await server?.close();
  await embedder?.close();
  removeTempDirs();
});

describe('ainstruct sync', { timeout: 120_000 }, () => {
  it('stores, then updates in place re-embedding only changed chunks, skips unchanged, deletes only with --delete, dry-run changes nothing, ignores', async () => {
    const folder = tempDir('ainstruct-sync-folder-');
    write(folder, {
      'guide.md': `# Guide\n\n## One\n\nAlpha section text about the first topic, long enough to fill a chunk of its own in this test of sync.\n\n## Two\n\nBeta section text about the second topic, long enough to fill a chunk of its own in this test of sync.\n`,
      'notes/todo.txt': 'buy milk\n',
      'gone.md': '# Gone\n\nwill be removed\n',
      'build.log.md': 'ignored by .gitignore\n',
      'private/secret.md': 'ignored by .ainstructignore\n',
      'node_modules/pkg/readme.md': 'skipped like import does\n',
      '.hidden.md': 'hidden\n',
      '.gitignore': '*.log.md\n',
      '.ainstructignore': 'private/\n',
    });
    const first = await sync(folder, ['--collection', 'mirror']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      'Synced "mirror": stored 3, updated 0, deleted 0, unchanged 0, skipped 0, failed 0',
    );
    const collectionId = await collectionNamed('mirror');
    const before = byPath(await documentsIn(collectionId));
    expect([...before.keys()].sort()).toEqual(['gone.md', 'guide.md', 'notes/todo.txt']);
    const guide = before.get('guide.md');
    expect(guide?.title).toBe('Guide');
    expect(guide?.chunk_count).toBeGreaterThanOrEqual(2);

    // Unchanged: no embedding, no write.
    const embedded = embedder.documentTexts;
    const again = await sync(folder, ['--collection', 'mirror']);
    expect(again.stdout).toContain('stored 0, updated 0, deleted 0, unchanged 3');
    expect(embedder.documentTexts).toBe(embedded);
    expect(byPath(await documentsIn(collectionId))).toEqual(before);

    // Edit one section, add a file, remove one; a dry run plans it and changes nothing.
    write(folder, {
      'guide.md': `# Guide\n\n## One\n\nAlpha section text about the first topic, long enough to fill a chunk of its own in this test of sync.\n\n## Two\n\nBeta section text about the second topic, long enough to fill a chunk of its own in this test of sync. Rewritten.\n`,
      'new.md': '# New\n\nfresh\n',
    });
    unlinkSync(join(folder, 'gone.md'));
    const dry = await sync(folder, ['--collection', 'mirror', '--delete', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^delete +gone\.md$/m);
    expect(dry.stdout).toMatch(/^update +guide\.md$/m);
    expect(dry.stdout).toMatch(/^store +new\.md$/m);
    expect(dry.stdout).toMatch(/^unchanged +notes\/todo\.txt$/m);
    expect(dry.stdout).toContain('Dry run, nothing changed');
    expect(embedder.documentTexts).toBe(embedded);
    expect(byPath(await documentsIn(collectionId))).toEqual(before);

    // Without --delete nothing is deleted; the edit keeps the id and re-embeds only what changed.
    const edited = await sync(folder, ['--collection', 'mirror']);
    expect(edited.stdout).toContain('stored 1, updated 1, deleted 0, unchanged 1');
    const after = byPath(await documentsIn(collectionId));
    expect(after.get('guide.md')?.document_id).toBe(guide?.document_id);
    expect(after.get('guide.md')?.content_hash).not.toBe(guide?.content_hash);
    expect(after.has('gone.md')).toBe(true);
    const reembedded = embedder.documentTexts - embedded;
    const newChunks = after.get('new.md')?.chunk_count ?? 0;
    expect(reembedded - newChunks).toBeGreaterThanOrEqual(1);
    expect(reembedded - newChunks).toBeLessThan(guide?.chunk_count ?? 0);

    const deleted = await sync(folder, ['--collection', 'mirror', '--delete']);
    expect(deleted.stdout).toContain('stored 0, updated 0, deleted 1, unchanged 3');
    expect([...byPath(await documentsIn(collectionId)).keys()].sort()).toEqual([
      'guide.md',
      'new.md',
      'notes/todo.txt',
    ]);
  });

  it('reports content another document holds as a per-file failure, losing nothing', async () => {
    const folder = tempDir('ainstruct-sync-dup-');
    write(folder, { 'a.md': '# Same\n\nidentical\n', 'c.md': '# C\n\nc\n' });
    expect((await sync(folder, ['--collection', 'dups'])).code).toBe(0);
    // A copy added afterwards (in one pass, files are written in parallel and either copy could come first).
    write(folder, { 'b.md': '# Same\n\nidentical\n' });
    const result = await sync(folder, ['--collection', 'dups']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('stored 0, updated 0, deleted 0, unchanged 2, skipped 0, failed 1');
    expect(result.stderr).toMatch(/b\.md: Same content as document [0-9a-f-]+ \(a\.md\)/);

    // An edit that makes a file equal another document: a failure, the document keeps its old content.
    write(folder, { 'b.md': '# B\n\nother\n' });
    expect((await sync(folder, ['--collection', 'dups'])).code).toBe(0);
    write(folder, { 'c.md': '# B\n\nother\n' });
    const clash = await sync(folder, ['--collection', 'dups']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/c\.md: .*already holds this exact content/);
    const docs = byPath(await documentsIn(await collectionNamed('dups')));
    expect([...docs.keys()].sort()).toEqual(['a.md', 'b.md', 'c.md']);
  });

  it('syncs with a read_write CAT into its own collection only, and refuses a read-only CAT', async () => {
    const collectionId = await createCollection(api, owner.accessToken, 'cat-target');
    const readWrite = await createCat(api, owner.accessToken, collectionId, 'read_write');
    const readOnly = await createCat(api, owner.accessToken, collectionId, 'read');
    const folder = tempDir('ainstruct-sync-cat-');
    write(folder, { 'x.md': '# X\n\nx marks\n' });

    const synced = await sync(folder, ['--collection', 'cat-target'], readWrite);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toContain('Synced "cat-target": stored 1');
    expect([...byPath(await documentsIn(collectionId)).keys()]).toEqual(['x.md']);

    const other = await sync(folder, ['--collection', 'mirror'], readWrite);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('reaches only the collection "cat-target"');

    const refused = await sync(folder, ['--collection', 'cat-target'], readOnly);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('read-only');

    // The routes themselves, past the CLI: another collection's manifest is not found for the CAT.
    const mirror = await collectionNamed('mirror');
    const manifest = await api.get(`/api/v1/collections/${mirror}/sync/manifest`, readWrite);
    expect(manifest.status).toBe(404);
  });

  it('gives one document per path when syncs race, enforced by the server', async () => {
    const collectionId = await createCollection(api, owner.accessToken, 'race');
    // Racing puts of one new path with different content: one document, the others update it.
    const puts = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        api.request('PUT', `/api/v1/collections/${collectionId}/sync/documents`, {
          token: pat,
          body: { source_path: 'same.md', content: `# Same\n\nversion ${i}\n`, document_type: 'markdown' },
        }),
      ),
    );
    for (const put of puts) expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(puts.filter((p) => p.body.outcome === 'stored')).toHaveLength(1);
    expect(new Set(puts.map((p) => p.body.document_id)).size).toBe(1);

    // Two whole syncs of one folder at once.
    const folder = tempDir('ainstruct-sync-race-');
    write(
      folder,
      Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.md`, `# F${i}\n\nfile ${i}\n`])),
    );
    const [one, two] = await Promise.all([
      sync(folder, ['--collection', 'race']),
      sync(folder, ['--collection', 'race']),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const docs = await documentsIn(collectionId);
    const paths = docs.map((d) => d.metadata.source_path);
    expect(paths.length).toBe(7);
    expect(new Set(paths).size).toBe(7);
  });

  it('resumes after kill -9 mid-sync without duplicates', async () => {
    const collectionId = await createCollection(api, owner.accessToken, 'resume');
    const folder = tempDir('ainstruct-sync-kill-');
    const total = 30;
    write(
      folder,
      Object.fromEntries(Array.from({ length: total }, (_, i) => [`n${i}.md`, `# Note ${i}\n\nbody ${i}\n`])),
    );
    const child = spawnCli(
      ['sync', folder, '--collection', 'resume', '--url', server.url, '--token', pat],
      cliEnv(syncEnv()),
    );
    const exited = collect(child);
    let seen = 0;
    while (seen === 0 && child.exitCode === null) {
      seen = (await documentsIn(collectionId)).length;
      if (seen === 0) await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    const interrupted = (await documentsIn(collectionId)).length;

    const resumed = await sync(folder, ['--collection', 'resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const docs = await documentsIn(collectionId);
    expect(docs).toHaveLength(total);
    expect(new Set(docs.map((d) => d.metadata.source_path)).size).toBe(total);
    // Whatever the killed run stored counts as unchanged now (at least what had been committed when it died).
    const unchanged = Number(/unchanged (\d+)/.exec(resumed.stdout)?.[1]);
    expect(unchanged).toBeGreaterThanOrEqual(interrupted);
    expect(unchanged).toBeLessThan(total);
  });

  it('--watch picks up a new file, an edit and an atomic rename-save', async () => {
    const collectionId = await createCollection(api, owner.accessToken, 'watched');
    const folder = tempDir('ainstruct-sync-watch-');
    write(folder, { 'a.md': '# A\n\nfirst\n' });
    const child = spawnCli(
      ['sync', folder, '--collection', 'watched', '--watch', '--url', server.url, '--token', pat],
      cliEnv(syncEnv()),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const until = async (check: () => boolean | Promise<boolean>, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${stdout} ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const docs = async () => byPath(await documentsIn(collectionId));
    try {
      await until(() => stderr.includes('Watching'), 'the watcher');
      expect(stdout).toContain('stored 1');

      write(folder, { 'b.md': '# B\n\nnew file\n' });
      await until(async () => (await docs()).has('b.md'), 'the new file');

      const a = (await docs()).get('a.md');
      write(folder, { 'a.md': '# A\n\nedited\n' });
      await until(async () => (await docs()).get('a.md')?.content_hash !== a?.content_hash, 'the edit');
      expect((await docs()).get('a.md')?.document_id).toBe(a?.document_id);

      // An editor's atomic save: a temp file renamed over the original.
      const b = (await docs()).get('b.md');
      writeFileSync(join(folder, 'b.md.tmp'), '# B\n\nsaved atomically\n');
      renameSync(join(folder, 'b.md.tmp'), join(folder, 'b.md'));
      await until(
        async () => (await docs()).get('b.md')?.content_hash !== b?.content_hash,
        'the rename-save',
      );
      const final = await docs();
      expect(final.get('b.md')?.document_id).toBe(b?.document_id);
      expect([...final.keys()].sort()).toEqual(['a.md', 'b.md']);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
  });
});
