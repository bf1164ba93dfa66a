import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type DatabaseHandle, type Executor, openDatabase, queryRows } from '../src/db/client.js';
import { type RunningServer, startServer } from '../src/server.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { ApiClient, createUser, expectError, type TestUser } from './helpers/client.js';
import { type CountingEmbedder, countingLocalEmbedder } from './helpers/counting-embedder.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { createCat, createCollection, createPat, searchIds, store } from './helpers/documents.js';
import { expectKeywordIndexExact, expectNoOrphans } from './helpers/integrity.js';
import { call, connectMcp, createReadPat, ok, str } from './helpers/mcp.js';
import { startRemoteEmbeddingServer, startTestServer, type TestServer, testEnv } from './helpers/server.js';

/**
 * Background stores: large content (over JOBS_BACKGROUND_OVER_BYTES, set low here) or `wait: false` is
 * answered 202 with a job that is run by the job runner of whichever instance claims it, survives restarts
 * and kills, and is never run twice. Real servers, real embedding model, both databases.
 */

/** Distinct prose of about `paragraphs` × 330 bytes, so every chunk is different text. */
function longDocument(tag: string, paragraphs: number): string {
  const words = ['river', 'granite', 'lantern', 'orchard', 'harbour', 'meadow', 'quarry', 'glacier', 'ember'];
  const lines = [`# ${tag}`, ''];
  for (let i = 0; i < paragraphs; i += 1) {
    const picked = Array.from({ length: 40 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    lines.push(`Paragraph ${i} of ${tag} about the ${tag}-${i} survey: ${picked}.`, '');
  }
  return lines.join('\n');
}

interface Job {
  job_id: string;
  state: string;
  progress: { done: number; total: number; phase: string };
  result: { document_id: string; duplicate: boolean; chunk_count: number } | null;
  error: { code: string; message: string } | null;
  finished_at: string | null;
}

/** Polls the job until it has finished, recording every state seen on the way. */
async function waitForJob(api: ApiClient, token: string, jobId: string, timeoutMs = 120_000) {
  const seen: Job[] = [];
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const response = await api.get(`/api/v1/jobs/${jobId}`, token);
    if (response.status !== 200)
      throw new Error(`GET job: ${response.status} ${JSON.stringify(response.body)}`);
    const job = response.body as Job;
    seen.push(job);
    if (job.state === 'succeeded' || job.state === 'failed') return { job, seen };
    await sleep(100);
  }
  throw new Error(`job ${jobId} did not finish: ${JSON.stringify(seen.at(-1))}`);
}

async function queue(api: ApiClient, token: string, body: Record<string, unknown>): Promise<Job> {
  const response = await api.post('/api/v1/documents', body, token);
  if (response.status !== 202)
    throw new Error(`expected 202, got ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as Job;
}

const countRows = async (db: Executor, query: ReturnType<typeof sql>) =>
  (await queryRows<{ n: number }>(db, query))[0]?.n ?? 0;

describe('background stores', () => {
  let embedder: CountingEmbedder;
  let server: TestServer;
  let api: ApiClient;
  let alice: TestUser;
  let bob: TestUser;
  let big: string;
  let bigJob: Job;

  beforeAll(async () => {
    embedder = countingLocalEmbedder();
    server = await startTestServer({ JOBS_BACKGROUND_OVER_BYTES: '20000' }, { embedder });
    api = new ApiClient(server.url);
    alice = await createUser(api, 'alice');
    bob = await createUser(api, 'bob');
    big = longDocument('cormorant', 120);
  });

  afterAll(async () => {
    await server?.close();
    await embedder?.close();
  });

  it('answers a store over the threshold with 202, a Location and a queued job', async () => {
    expect(Buffer.byteLength(big)).toBeGreaterThan(20_000);
    const response = await store(api, alice.accessToken, { title: 'Cormorants', content: big });
    expect(response.status).toBe(202);
    bigJob = response.body;
    expect(response.headers.get('location')).toBe(`/api/v1/jobs/${bigJob.job_id}`);
    expect(bigJob).toMatchObject({
      kind: 'store_document',
      result: null,
      error: null,
      finished_at: null,
    });
    expect(['queued', 'running']).toContain(bigJob.state);
  });

  it('shows progress while running and the stored document once succeeded', async () => {
    const { job, seen } = await waitForJob(api, alice.accessToken, bigJob.job_id);
    expect(job.state, JSON.stringify(job)).toBe('succeeded');
    // Progress was visible on the way: running, with a known total and not yet everything embedded.
    expect(
      seen.some((s) => s.state === 'running' && s.progress.total > 0 && s.progress.done < s.progress.total),
      JSON.stringify(seen.map((s) => [s.state, s.progress])),
    ).toBe(true);
    const done = seen.map((s) => s.progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(job.progress).toMatchObject({ phase: 'done' });
    expect(job.progress.done).toBe(job.progress.total);
    expect(job.result).toMatchObject({ duplicate: false, title: 'Cormorants' });
    expect(job.result?.chunk_count).toBeGreaterThan(16);
    expect(job.finished_at).not.toBeNull();
    // The document exists whole and is found.
    const document = await api.get(`/api/v1/documents/${job.result?.document_id}`, alice.accessToken);
    expect(document.status).toBe(200);
    expect(document.body.content).toBe(big);
    expect(
      await searchIds(api, alice.accessToken, { query: 'cormorant-17 survey', mode: 'keyword' }),
    ).toContain(job.result?.document_id);
    await expectNoOrphans(server.handle.db);
    // The job let go of its input (megabytes, possibly) once finished.
    expect(
      await countRows(server.handle.db, sql`select count(*)::int as n from jobs where input is not null`),
    ).toBe(0);
  });

  it('stores a small document in the background with wait: false', async () => {
    const job = await queue(api, alice.accessToken, {
      title: 'Small',
      content: 'A short note on puffins nesting in burrows.',
      wait: false,
    });
    const { job: done } = await waitForJob(api, alice.accessToken, job.job_id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ duplicate: false, chunk_count: 1 });
  });

  it('ends a job for content already stored with duplicate: true and the same document', async () => {
    const before = embedder.documentTexts;
    const job = await queue(api, alice.accessToken, { title: 'Again', content: big, wait: false });
    const { job: done } = await waitForJob(api, alice.accessToken, job.job_id);
    const first = await waitForJob(api, alice.accessToken, bigJob.job_id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ duplicate: true, document_id: first.job.result?.document_id });
    expect(embedder.documentTexts).toBe(before);
  });

  it('shows a job only to its user, and to a collection token only its collection’s jobs', async () => {
    const path = `/api/v1/jobs/${bigJob.job_id}`;
    expectError(await api.get(path, bob.accessToken), 404, 'JOB_NOT_FOUND');
    const elsewhere = await createCollection(api, alice.accessToken, 'elsewhere');
    const otherCat = await createCat(api, alice.accessToken, elsewhere, 'read_write');
    expectError(await api.get(path, otherCat), 404, 'JOB_NOT_FOUND');
    const ownCat = await createCat(api, alice.accessToken, alice.defaultCollectionId, 'read');
    expect((await api.get(path, ownCat)).status).toBe(200);
    const pat = await createPat(api, alice.accessToken);
    expect((await api.get(path, pat.token)).status).toBe(200);
    expectError(await api.get('/api/v1/jobs/not-a-uuid', alice.accessToken), 404, 'JOB_NOT_FOUND');
    expectError(
      await api.get('/api/v1/jobs/00000000-0000-4000-8000-000000000000', alice.accessToken),
      404,
      'JOB_NOT_FOUND',
    );
    // Lists: newest first, own only.
    const mine = await api.get('/api/v1/jobs?limit=100', alice.accessToken);
    expect(mine.status).toBe(200);
    expect(mine.body.total).toBe(3);
    expect(mine.body.jobs.at(-1).job_id).toBe(bigJob.job_id);
    expect((await api.get('/api/v1/jobs', bob.accessToken)).body).toMatchObject({ jobs: [], total: 0 });
    expect((await api.get('/api/v1/jobs', otherCat)).body.total).toBe(0);
    expect((await api.get('/api/v1/jobs', ownCat)).body.total).toBe(3);
  });

  it('refuses a request that could not be stored before queueing anything', async () => {
    const jobs = () => countRows(server.handle.db, sql`select count(*)::int as n from jobs`);
    const before = await jobs();
    const post = (body: Record<string, unknown>, token = alice.accessToken) =>
      api.post('/api/v1/documents', { wait: false, ...body }, token);
    expectError(await post({ title: 'Empty', content: '   ' }), 422, 'VALIDATION_ERROR');
    expectError(await post({ content: 'no title and no heading' }), 422, 'TITLE_REQUIRED');
    expectError(await post({ title: 'T', content: 'x', wait: 'no' }), 422, 'VALIDATION_ERROR');
    expectError(
      await post({ title: 'T', content: 'x', collection_id: bob.defaultCollectionId }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    const readPat = await createReadPat(api, alice.accessToken);
    expectError(await post({ title: 'T', content: 'x' }, readPat.token), 403, 'INSUFFICIENT_SCOPE');
    expectError(await post({ title: 'T', content: big }, readPat.token), 403, 'INSUFFICIENT_SCOPE');
    const readCat = await createCat(api, alice.accessToken, alice.defaultCollectionId, 'read');
    expectError(await post({ title: 'T', content: 'x' }, readCat), 403, 'INSUFFICIENT_SCOPE');
    expect(await jobs()).toBe(before);
  });

  it('stores a small document synchronously as before (201, then 200 duplicate)', async () => {
    const body = { title: 'Sync', content: 'Gannets dive from thirty metres.' };
    expect((await store(api, alice.accessToken, body)).status).toBe(201);
    expect((await store(api, alice.accessToken, body)).status).toBe(200);
  });

  it('returns a job from the MCP store tool and reports it with get_job_tool', async () => {
    const pat = await createPat(api, alice.accessToken);
    const client = await connectMcp(server.url, pat.token);
    try {
      const content = longDocument('shearwater', 70);
      const queued = ok(await call(client, 'store_document_tool', { title: 'Shearwaters', content }));
      const jobId = str(queued.job_id);
      expect(queued.document_id).toBeUndefined();
      expect(str(queued.message)).toContain('get_job_tool');
      let job = ok(await call(client, 'get_job_tool', { job_id: jobId }));
      for (let i = 0; i < 1200 && (job.state === 'queued' || job.state === 'running'); i += 1) {
        await sleep(100);
        job = ok(await call(client, 'get_job_tool', { job_id: jobId }));
      }
      expect(job).toMatchObject({ job_id: jobId, state: 'succeeded', failure: null });
      expect(job.result).toMatchObject({ title: 'Shearwaters', duplicate: false });
      // A small one with wait: false, too; and another user's job is not found.
      const small = ok(
        await call(client, 'store_document_tool', { title: 'Tern', content: 'Arctic terns.', wait: false }),
      );
      expect(str(small.job_id)).toMatch(/^[0-9a-f-]{36}$/);
      const bobPat = await createPat(api, bob.accessToken);
      const bobClient = await connectMcp(server.url, bobPat.token);
      try {
        const refused = await call(bobClient, 'get_job_tool', { job_id: jobId });
        expect(refused.isError).toBe(true);
        expect(refused._meta?.['ainstruct/error']).toMatchObject({ code: 'JOB_NOT_FOUND' });
      } finally {
        await bobClient.close();
      }
      await waitForJob(api, alice.accessToken, str(small.job_id));
    } finally {
      await client.close();
    }
  });
});

describe('a background store whose embedding fails', () => {
  let host: TestServer;
  let subject: TestServer;
  let api: ApiClient;
  let carol: TestUser;

  beforeAll(async () => {
    host = await startTestServer({ EMBEDDING_WORKERS: '1' });
    const hostApi = new ApiClient(host.url);
    const owner = await createUser(hostApi, 'host');
    const pat = await createPat(hostApi, owner.accessToken);
    subject = await startRemoteEmbeddingServer({ url: host.url, token: pat.token }, 2);
    api = new ApiClient(subject.url);
    carol = await createUser(api, 'carol');
    // The outage: the embedding server goes away.
    await host.close();
  });

  afterAll(async () => {
    await subject?.close();
  });

  it('ends failed with EMBEDDING_UNAVAILABLE and stores nothing', async () => {
    const job = await queue(api, carol.accessToken, {
      title: 'Lost',
      content: 'Written while the embedder is down.',
      wait: false,
    });
    const { job: done } = await waitForJob(api, carol.accessToken, job.job_id);
    expect(done.state).toBe('failed');
    expect(done.result).toBeNull();
    expect(done.error?.code).toBe('EMBEDDING_UNAVAILABLE');
    expect(done.error?.message).toBeTruthy();
    expect((await api.get('/api/v1/documents', carol.accessToken)).body.total).toBe(0);
    await expectNoOrphans(subject.handle.db);
  });
});

describe('jobs across restarts', () => {
  const dirs: string[] = [];
  let database: TestDatabase | undefined;
  let dataDir = '';
  let embedder: CountingEmbedder;

  /** A fresh handle on the same database, as a restarted process would open it. */
  const openSame = (): Promise<DatabaseHandle> =>
    database ? openDatabase({ url: database.url, poolSize: 4 }) : openDatabase({ dataDir });
  const dbEnv = (): Record<string, string> =>
    database ? { DATABASE_URL: database.url ?? '' } : { DATA_DIR: dataDir };

  async function start(extra: Record<string, string>) {
    const handle = await openSame();
    const server = await startServer(loadConfig(testEnv({ ...dbEnv(), ...extra })), {
      database: handle,
      embedder,
    });
    return {
      server,
      handle,
      async close() {
        await server.close();
        await handle.close();
      },
    };
  }

  beforeAll(async () => {
    embedder = countingLocalEmbedder();
    if (TEST_DB === 'postgres') database = await createTestDatabase('postgres');
    else {
      dataDir = mkdtempSync(join(tmpdir(), 'ainstruct-jobs-'));
      dirs.push(dataDir);
    }
  });

  afterAll(async () => {
    await embedder?.close();
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every job queued before a restart exactly once, after it', async () => {
    // An instance that queues but runs nothing (JOBS_CONCURRENCY=0), stopped with its jobs still queued.
    const first = await start({ JOBS_CONCURRENCY: '0' });
    const api = new ApiClient(first.server.url);
    const user = await createUser(api, 'restart');
    const contents = ['albatross', 'petrel', 'skua'].map((tag) => longDocument(tag, 6));
    const queued: Job[] = [];
    for (const [i, content] of contents.entries()) {
      queued.push(await queue(api, user.accessToken, { title: `Bird ${i}`, content, wait: false }));
    }
    // The same content twice: one document, the second job a duplicate.
    queued.push(
      await queue(api, user.accessToken, { title: 'Bird 0 again', content: contents[0], wait: false }),
    );
    await first.close();

    const beforeTexts = embedder.documentTexts;
    const second = await start({ JOBS_CONCURRENCY: '2' });
    try {
      const api2 = new ApiClient(second.server.url);
      const login = await api2.post('/api/v1/auth/login', {
        username: user.username,
        password: user.password,
      });
      const token = login.body.access_token as string;
      const done = [];
      for (const job of queued) done.push((await waitForJob(api2, token, job.job_id)).job);
      expect(done.map((job) => job.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      const ids = done.map((job) => job.result?.document_id);
      expect(new Set(ids.slice(0, 3)).size).toBe(3);
      expect(ids[3]).toBe(ids[0]);
      expect(done.filter((job) => job.result?.duplicate).length).toBe(1);
      const { db } = second.handle;
      expect(await countRows(db, sql`select count(*)::int as n from documents`)).toBe(3);
      // Each document's chunks were embedded once: no job ran twice.
      const chunks = await countRows(db, sql`select coalesce(sum(chunk_count), 0)::int as n from documents`);
      expect(embedder.documentTexts - beforeTexts).toBe(chunks);
      expect(await countRows(db, sql`select count(*)::int as n from jobs where attempts <> 1`)).toBe(0);
      await expectNoOrphans(db);
      await expectKeywordIndexExact(db);
    } finally {
      await second.close();
    }
  });

  it('gives a running job back on shutdown, and the next start finishes it', async () => {
    const first = await start({ JOBS_CONCURRENCY: '1' });
    const api = new ApiClient(first.server.url);
    const user = await createUser(api, 'shutdown');
    const job = await queue(api, user.accessToken, {
      title: 'Long',
      content: longDocument('kittiwake', 200),
      wait: false,
    });
    // Stopped while embedding.
    for (let i = 0; i < 600; i += 1) {
      const seen = (await api.get(`/api/v1/jobs/${job.job_id}`, user.accessToken)).body as Job;
      if (seen.state === 'running' && seen.progress.total > 0) break;
      expect(seen.state).not.toBe('succeeded');
      await sleep(50);
    }
    await first.close();
    const check = await openSame();
    try {
      const [row] = await queryRows<{ state: string; attempts: number; lease_owner: string | null }>(
        check.db,
        sql`select state, attempts, lease_owner from jobs where id = ${job.job_id}::uuid`,
      );
      expect(row).toEqual({ state: 'queued', attempts: 0, lease_owner: null });
      expect(
        await countRows(check.db, sql`select count(*)::int as n from documents where title = 'Long'`),
      ).toBe(0);
    } finally {
      await check.close();
    }
    const second = await start({ JOBS_CONCURRENCY: '1' });
    try {
      const api2 = new ApiClient(second.server.url);
      const login = await api2.post('/api/v1/auth/login', {
        username: user.username,
        password: user.password,
      });
      const { job: done } = await waitForJob(api2, login.body.access_token, job.job_id);
      expect(done.state).toBe('succeeded');
      await expectNoOrphans(second.handle.db);
    } finally {
      await second.close();
    }
  });
});

describe('a job whose server is killed mid-run', () => {
  let database: TestDatabase | undefined;
  let dbEnv: Record<string, string>;
  const dirs: string[] = [];
  const servers: CliServer[] = [];

  const start = async () => {
    const server = await startCliServer({
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...testEnv({ EMBEDDING_WORKERS: '1', JOBS_LEASE_SECONDS: '3', JOBS_BACKGROUND_OVER_BYTES: '10000' }),
      ...dbEnv,
    });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    if (TEST_DB === 'postgres') {
      database = await createTestDatabase('postgres');
      dbEnv = { DATABASE_URL: database.url ?? '' };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'ainstruct-jobs-kill-'));
      dirs.push(dir);
      dbEnv = { DATA_DIR: dir };
    }
  });

  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    }
    await database?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over after its lease expires and ends with exactly one document', async () => {
    const first = await start();
    const api = new ApiClient(first.url);
    const user = await createUser(api, 'killed');
    const content = longDocument('guillemot', 150);
    const job = (await store(api, user.accessToken, { title: 'Guillemots', content })).body as Job;
    expect(job.job_id).toBeTruthy();
    let seen: Job | undefined;
    for (let i = 0; i < 1200; i += 1) {
      seen = (await api.get(`/api/v1/jobs/${job.job_id}`, user.accessToken)).body as Job;
      if (seen.state === 'running' && seen.progress.done > 0) break;
      await sleep(50);
    }
    expect(seen?.state).toBe('running');
    await first.stop('SIGKILL');

    const second = await start();
    const api2 = new ApiClient(second.url);
    const login = await api2.post('/api/v1/auth/login', { username: user.username, password: user.password });
    const { job: done } = await waitForJob(api2, login.body.access_token, job.job_id);
    expect(done.state).toBe('succeeded');
    expect(done.result?.duplicate).toBe(false);
    const list = await api2.get('/api/v1/documents', login.body.access_token);
    expect(list.body.total).toBe(1);
    await second.stop('SIGTERM');

    const handle = database
      ? await openDatabase({ url: database.url, poolSize: 2 })
      : await openDatabase({ dataDir: dbEnv.DATA_DIR ?? '' });
    try {
      const [row] = await queryRows<{ attempts: number }>(
        handle.db,
        sql`select attempts from jobs where id = ${job.job_id}::uuid`,
      );
      expect(row?.attempts).toBe(2);
      await expectNoOrphans(handle.db);
      await expectKeywordIndexExact(handle.db);
    } finally {
      await handle.close();
    }
  });
});

if (TEST_DB !== 'postgres') {
  console.warn('jobs: two runners on one database skipped on TEST_DB=pglite (one owner by design)');
}

describe.runIf(TEST_DB === 'postgres')('two runners on one database', () => {
  let database: TestDatabase;
  const handles: DatabaseHandle[] = [];
  const servers: RunningServer[] = [];
  const embedders: CountingEmbedder[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    for (let i = 0; i < 2; i += 1) {
      const handle = await openDatabase({ url: database.url, poolSize: 4 });
      handles.push(handle);
      const embedder = countingLocalEmbedder();
      embedders.push(embedder);
      servers.push(
        await startServer(loadConfig(testEnv({ DATABASE_URL: database.url ?? '', JOBS_CONCURRENCY: '3' })), {
          database: handle,
          embedder,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const handle of handles) await handle.close();
    for (const embedder of embedders) await embedder.close();
    await database?.drop();
  });

  it('never runs one job twice', async () => {
    const apis = servers.map((server) => new ApiClient(server.url));
    const [a, b] = apis as [ApiClient, ApiClient];
    const user = await createUser(a, 'pair');
    const contents = Array.from({ length: 10 }, (_, i) => longDocument(`gull${i}`, 4));
    const jobs = await Promise.all(
      contents.map((content, i) =>
        queue(i % 2 ? b : a, user.accessToken, { title: `Gull ${i}`, content, wait: false }),
      ),
    );
    const done = await Promise.all(
      jobs.map((job, i) => waitForJob(i % 2 ? a : b, user.accessToken, job.job_id)),
    );
    expect(done.map(({ job }) => job.state)).toEqual(jobs.map(() => 'succeeded'));
    expect(new Set(done.map(({ job }) => job.result?.document_id)).size).toBe(10);
    const { db } = handles[0] as DatabaseHandle;
    expect(await countRows(db, sql`select count(*)::int as n from documents`)).toBe(10);
    // Every chunk was embedded by exactly one of the two, once; each job was claimed once.
    const chunks = await countRows(db, sql`select sum(chunk_count)::int as n from documents`);
    const embedded = embedders.reduce((sum, embedder) => sum + embedder.documentTexts, 0);
    expect(embedded).toBe(chunks);
    expect(await countRows(db, sql`select count(*)::int as n from jobs where attempts <> 1`)).toBe(0);
    await expectNoOrphans(db);
  });
});
