import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/client.js';
import { LOCAL_DIMENSIONS, LOCAL_MODEL_ID } from '../src/embeddings/registry.js';
import { type RunningServer, startServer } from '../src/server.js';
import { type CliResult, runCliWith } from './helpers/cli.js';
import { ApiClient } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { searchIds } from './helpers/documents.js';
import { testEnv } from './helpers/server.js';
import { trackedTempDirs } from './helpers/temp-dirs.js';

const PASSWORD = 'import password 123';

let database: TestDatabase | undefined;
let dbEnv: Record<string, string>;
const { tempDir, removeTempDirs } = trackedTempDirs('ainstruct-import-');

/** The real CLI in a fresh Node process, with only the environment it needs. */
function runCli(args: string[], stdin = ''): Promise<CliResult> {
  return runCliWith(dbEnv, args, stdin);
}

/** An in-process server on the CLI's database (PGlite allows one process at a time: close it before the CLI). */
function startOnDatabase(): Promise<RunningServer> {
  return startServer(loadConfig(testEnv({ ...dbEnv, EMBEDDING_WORKERS: '1' })));
}

async function withServer<T>(fn: (server: RunningServer, api: ApiClient) => Promise<T>): Promise<T> {
  const server = await startOnDatabase();
  try {
    return await fn(server, new ApiClient(server.url));
  } finally {
    await server.close();
  }
}

async function login(api: ApiClient): Promise<string> {
  const response = await api.post('/api/v1/auth/login', { username: 'importer', password: PASSWORD });
  expect(response.status).toBe(200);
  return response.body.access_token as string;
}

function write(root: string, path: string, content: string | Buffer) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

let folder: string;
const FILES = {
  'guides/setup.md':
    'Read this first.\n\n# Setting up the lab\n\nCalibrate the centrifuge before the first run.\n',
  'guides/deep/checklist.md': 'Checklist without any heading: gloves, goggles, lab coat.\n',
  'readme.txt': '# not a title in plain text\nThe lab opens at eight and closes at six.\n',
  'scripts/tool.py': '# compute averages\ndef mean(values):\n    return sum(values) / len(values)\n',
};

beforeAll(async () => {
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dbEnv = { DATA_DIR: tempDir('ainstruct-import-db-') };
  }
  folder = tempDir('ainstruct-import-src-');
  for (const [path, content] of Object.entries(FILES)) write(folder, path, content);
  write(
    folder,
    'images/photo.png',
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
  );
  write(folder, 'node_modules/some-package/README.md', '# Vendored\n\nMust never be imported.\n');
});

afterAll(async () => {
  await database?.drop();
  removeTempDirs();
});

// Every CLI run is a fresh Node process that may load the embedding model: these tests get more time.
describe('ainstruct import and reindex', { timeout: 240_000 }, () => {
  it('creates the importing user', async () => {
    const created = await runCli(['user', 'create', 'importer', 'importer@example.com'], `${PASSWORD}\n`);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^Created user importer \(/);
  });

  it('imports a folder: supported files stored, others skipped, node_modules ignored', async () => {
    const result = await runCli(['import', folder, '--collection', 'notes', '--user', 'importer']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('Stored 4, already present 0, skipped 1, failed 0');
    expect(result.stderr).toMatch(/import \[#+\] 4\/4 100%/);
  });

  it('keeps the relative path, type and title of every file', async () => {
    await withServer(async (_server, api) => {
      const token = await login(api);
      const collections = await api.get('/api/v1/collections', token);
      const notes = collections.body.collections.find((c: { name: string }) => c.name === 'notes');
      expect(notes).toBeDefined();
      const listed = await api.get(
        `/api/v1/documents?collection_id=${notes.collection_id}&sort=title&order=asc`,
        token,
      );
      expect(listed.status).toBe(200);
      expect(listed.body.total).toBe(4);
      const byPath = new Map<string, { title: string; document_type: string; document_id: string }>(
        listed.body.documents.map((d: { metadata: { source_path: string } }) => [d.metadata.source_path, d]),
      );
      expect([...byPath.keys()].sort()).toEqual([
        'guides/deep/checklist.md',
        'guides/setup.md',
        'readme.txt',
        'scripts/tool.py',
      ]);
      expect(byPath.get('guides/setup.md')).toMatchObject({
        title: 'Setting up the lab',
        document_type: 'markdown',
      });
      expect(byPath.get('guides/deep/checklist.md')).toMatchObject({
        title: 'checklist.md',
        document_type: 'markdown',
      });
      expect(byPath.get('readme.txt')).toMatchObject({ title: 'readme.txt', document_type: 'text' });
      expect(byPath.get('scripts/tool.py')).toMatchObject({ title: 'tool.py', document_type: 'python' });
      const setup = await api.get(`/api/v1/documents/${byPath.get('guides/setup.md')?.document_id}`, token);
      expect(setup.body.content).toBe(FILES['guides/setup.md']);
      expect(await searchIds(api, token, { query: 'centrifuge', mode: 'keyword' })).toEqual([
        byPath.get('guides/setup.md')?.document_id,
      ]);
      expect(await searchIds(api, token, { query: 'Vendored', mode: 'keyword' })).toEqual([]);
    });
  });

  it('stores nothing new when run again', async () => {
    const result = await runCli(['import', folder, '--collection', 'notes', '--user', 'importer']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('Stored 0, already present 4, skipped 1, failed 0');
  });

  it('reindex with the recorded model has nothing to do', async () => {
    const result = await runCli(['reindex']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('nothing to do');
    expect(result.stderr).not.toContain('reindex [');
  });

  it('reindex --force re-embeds everything with progress and keeps search working', async () => {
    const result = await runCli(['reindex', '--force']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(
      `Re-embedded 4 documents with ${LOCAL_MODEL_ID} (${LOCAL_DIMENSIONS} dimensions)`,
    );
    expect(result.stderr).toMatch(/reindex \[#+\] 4\/4 100%/);
    await withServer(async (server, api) => {
      const state = await queryRows<{ key: string }>(
        server.ctx.db,
        sql`select key from system_settings where key = 'reindex'`,
      );
      expect(state).toEqual([]);
      const indexes = await queryRows<{ indexname: string }>(
        server.ctx.db,
        sql`select indexname from pg_indexes where tablename = 'chunks' and indexname like 'chunks_embedding_hnsw_%'`,
      );
      expect(indexes.map((i) => i.indexname)).toEqual([`chunks_embedding_hnsw_${LOCAL_DIMENSIONS}`]);
      const token = await login(api);
      const hits = await searchIds(api, token, {
        query: 'When does the laboratory open in the morning?',
        mode: 'semantic',
        max_results: 10,
        // Every re-embedded document must be searchable again, the weak matches too.
        min_score: 0,
      });
      expect(new Set(hits).size).toBe(4);
    });
  });

  it('resumes an interrupted re-index from its cursor; the server refuses to start until it is done', async () => {
    const marker = `[${Array.from({ length: LOCAL_DIMENSIONS }, (_, i) => (i === 0 ? 1 : 0)).join(',')}]`;
    let ids: string[] = [];
    // What a run killed after its first document leaves behind: the cursor after that document, and (to tell
    // resumed work from repeated work) vectors that only a real re-embedding replaces.
    await withServer(async (server) => {
      const rows = await queryRows<{ id: string }>(server.ctx.db, sql`select id from documents order by id`);
      ids = rows.map((r) => r.id);
      expect(ids).toHaveLength(4);
      await server.ctx.db.execute(sql`update chunks set embedding = ${marker}::vector`);
      const state = {
        model: LOCAL_MODEL_ID,
        dimensions: LOCAL_DIMENSIONS,
        after: ids[0],
        done: 1,
        total: ids.length,
      };
      await server.ctx.db.execute(
        sql`insert into system_settings (key, value) values ('reindex', ${JSON.stringify(state)}::jsonb)`,
      );
    });

    await expect(startOnDatabase()).rejects.toThrow(/unfinished[\s\S]*1\/4[\s\S]*ainstruct reindex/);

    const result = await runCli(['reindex']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(
      `Re-embedded 4 documents with ${LOCAL_MODEL_ID} (${LOCAL_DIMENSIONS} dimensions)`,
    );
    expect(result.stderr).toContain('(resumed)');
    expect(result.stderr).toMatch(/reindex \[#+\] 4\/4 100%/);

    await withServer(async (server) => {
      const state = await queryRows<{ key: string }>(
        server.ctx.db,
        sql`select key from system_settings where key = 'reindex'`,
      );
      expect(state).toEqual([]);
      const rows = await queryRows<{ document_id: string; is_marker: boolean }>(
        server.ctx.db,
        sql`select document_id, embedding = ${marker}::vector as is_marker from chunks order by document_id`,
      );
      // The first document was done before the interruption and is not embedded again; all later ones are.
      const marked = new Map(rows.map((r) => [r.document_id, r.is_marker]));
      expect(marked.get(ids[0] ?? '')).toBe(true);
      for (const id of ids.slice(1)) expect(marked.get(id)).toBe(false);
    });
  });
});
