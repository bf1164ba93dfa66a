/**
 * The authenticated read path against a bare baseline, interleaved in one run so the machine's noise hits both
 * alike: `GET /api/v1/documents/{id}` with a PAT on `ainstruct serve` (production settings: LOG_LEVEL=info) and
 * on bench/baseline-server.ts (bare Fastify + postgres.js, the same two lookups), on one PostgreSQL database.
 * Reports req/s, the ratio to the baseline, latency and CPU per request of the server process. With
 * `--pglite` it also runs ainstruct on embedded PGlite (its own DATA_DIR, the same documents) against the
 * PostgreSQL figure, and `/health` latency while searches run there.
 *
 *   npx tsx bench/read-path.ts [--rounds 5] [--seconds 6] [--concurrency 16] [--docs 200] [--pglite]
 *
 * Needs the machine's PostgreSQL (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { benchEnv, benchUserPat, type Instance, json, startInstance } from './lib/instance.js';
import { drive, latencyOf, median, rate, type Sample } from './lib/load.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '16' },
    docs: { type: 'string', default: '200' },
    pglite: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const DOCS = Number(values.docs);
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const dbName = `ainstruct_bench_${randomBytes(5).toString('hex')}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);

async function seed(base: string): Promise<{ token: string; ids: string[] }> {
  const token = await benchUserPat(base);
  const ids: string[] = [];
  for (let i = 0; i < DOCS; i++) {
    const stored = await json(`${base}/api/v1/documents`, {
      method: 'POST',
      token,
      body: JSON.stringify({
        title: `Note ${i}`,
        content: `# Note ${i}\n\nField note ${i} about tides and harbours, day ${i % 31}. ${randomBytes(8).toString('hex')}`,
      }),
    });
    ids.push(stored.document_id as string);
  }
  return { token, ids };
}

interface Measured {
  samples: Sample[];
  cpu: number[];
}

async function measure(instance: Instance, token: string, ids: string[], into: Measured): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const cpuBefore = instance.cpuSeconds();
  const sample = await drive(
    (i) => ({ url: `${instance.url}/api/v1/documents/${ids[i % ids.length]}`, headers }),
    {
      concurrency: CONCURRENCY,
      seconds: SECONDS,
    },
  );
  into.samples.push(sample);
  into.cpu.push(((instance.cpuSeconds() - cpuBefore) * 1000) / Math.max(1, sample.requests));
  console.error(`  ${rate(sample).toFixed(0)} req/s, ${sample.errors} errors`);
}

function report(name: string, measured: Measured, against?: Measured): string {
  const r = median(measured.samples.map(rate));
  const ratio = against ? ` ${(r / median(against.samples.map(rate))).toFixed(2)}×` : '';
  const range = against
    ? ` (${Math.min(...measured.samples.map((s, i) => rate(s) / rate(against.samples[i] as Sample))).toFixed(2)}–${Math.max(...measured.samples.map((s, i) => rate(s) / rate(against.samples[i] as Sample))).toFixed(2)})`
    : '';
  const { p50, p95 } = latencyOf(measured.samples);
  const errors = measured.samples.reduce((sum, s) => sum + s.errors, 0);
  return `${name.padEnd(22)} ${r.toFixed(0).padStart(6)} req/s${ratio}${range}  p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms  CPU ${median(measured.cpu).toFixed(2)} ms/req  errors ${errors}`;
}

async function main(): Promise<void> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const instances: Instance[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'ainstruct-bench-'));
  try {
    const server = await startInstance(
      ['src/cli.ts', 'serve'],
      benchEnv({ DATABASE_URL: databaseUrl }),
      18701,
    );
    instances.push(server);
    const { token, ids } = await seed(server.url);
    const baseline = await startInstance(
      ['bench/baseline-server.ts'],
      benchEnv({ DATABASE_URL: databaseUrl }),
      18702,
    );
    instances.push(baseline);
    let embedded: { instance: Instance; token: string; ids: string[] } | undefined;
    if (values.pglite) {
      const instance = await startInstance(['src/cli.ts', 'serve'], benchEnv({ DATA_DIR: dataDir }), 18703);
      instances.push(instance);
      embedded = { instance, ...(await seed(instance.url)) };
    }

    const results = {
      baseline: { samples: [], cpu: [] },
      ainstruct: { samples: [], cpu: [] },
      pglite: { samples: [], cpu: [] },
    } as Record<string, Measured>;
    for (let round = 0; round < ROUNDS; round++) {
      console.error(`round ${round + 1}: baseline`);
      await measure(baseline, token, ids, results.baseline as Measured);
      console.error(`round ${round + 1}: ainstruct (PostgreSQL)`);
      await measure(server, token, ids, results.ainstruct as Measured);
      if (embedded) {
        console.error(`round ${round + 1}: ainstruct (PGlite)`);
        await measure(embedded.instance, embedded.token, embedded.ids, results.pglite as Measured);
      }
    }
    console.log(
      `\n${ROUNDS} interleaved rounds × ${SECONDS} s, ${CONCURRENCY} concurrent, ${DOCS} documents, GET /api/v1/documents/{id} with a PAT`,
    );
    console.log(report('baseline (bare)', results.baseline as Measured));
    console.log(report('ainstruct PostgreSQL', results.ainstruct as Measured, results.baseline));
    if (embedded) {
      console.log(report('ainstruct PGlite', results.pglite as Measured, results.ainstruct));
      await healthUnderSearch(embedded.instance, embedded.token);
    }
  } finally {
    for (const instance of instances) instance.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `/health` from one client while `CONCURRENCY` clients search (hybrid): is the process still responsive? */
async function healthUnderSearch(instance: Instance, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const search = drive(
    (i) => ({
      url: `${instance.url}/api/v1/documents/search`,
      method: 'POST',
      headers,
      body: JSON.stringify({ query: `what happened on day ${i % 31} at the harbour`, mode: 'hybrid' }),
    }),
    { concurrency: CONCURRENCY, seconds: SECONDS * 2 },
  );
  const health = drive(() => ({ url: `${instance.url}/health` }), { concurrency: 1, seconds: SECONDS * 2 });
  const [searched, probed] = await Promise.all([search, health]);
  const s = latencyOf([searched]);
  const h = latencyOf([probed]);
  console.log(
    `PGlite under search load: ${rate(searched).toFixed(1)} searches/s (p50 ${s.p50.toFixed(0)} ms); /health p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms`,
  );
}

await main();
