/**
 * Several `ainstruct serve` processes on one PostgreSQL database and one Redis, driven round-robin by one
 * client: requests a second, p50 and p95 for 1, 2 and 3 instances, interleaved in rounds so the machine's
 * noise hits every layout alike. Reads are `GET /api/v1/documents/{id}` with a PAT; searches are hybrid.
 *
 *   npx tsx bench/multi-instance.ts [--rounds 3] [--seconds 8] [--concurrency 16] [--docs 200]
 *
 * Needs the machine's PostgreSQL (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres) and
 * Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379). Creates and drops its own database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '16' },
    docs: { type: 'string', default: '200' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const DOCS = Number(values.docs);
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LAYOUTS = [1, 2, 3];

const dbName = `ainstruct_bench_${randomBytes(5).toString('hex')}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);

function startInstance(port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${dbName}:`,
      JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0123',
      LOG_LEVEL: 'warn',
      EMBEDDING_WORKERS: '1',
      // The bench measures throughput, not the limits.
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 180_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`instance on ${port} exited`));
      try {
        if ((await fetch(`${url}/ready`)).ok) return resolve({ url, child });
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) return reject(new Error(`instance on ${port} not ready`));
      setTimeout(poll, 300);
    };
    void poll();
  });
}

async function json(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, { ...init, headers });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

interface Sample {
  requests: number;
  errors: number;
  latencies: number[];
}

/** `CONCURRENCY` loops for `SECONDS`, each sending its next request to the next instance in turn. */
async function drive(
  urls: string[],
  request: (base: string, i: number) => Promise<Response>,
): Promise<Sample> {
  const sample: Sample = { requests: 0, errors: 0, latencies: [] };
  const end = performance.now() + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const i = next++;
        const started = performance.now();
        const response = await request(urls[i % urls.length] as string, i).catch(() => undefined);
        await response?.arrayBuffer();
        sample.latencies.push(performance.now() - started);
        if (response?.ok) sample.requests += 1;
        else sample.errors += 1;
      }
    }),
  );
  return sample;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const instances: { url: string; child: ChildProcess }[] = [];
  try {
    instances.push(await startInstance(18601));
    const base = instances[0]?.url as string;
    await json(`${base}/api/v1/auth/register`, {
      method: 'POST',
      body: JSON.stringify({ username: 'bench', email: 'bench@example.com', password: 'bench password 1' }),
    });
    const login = await json(`${base}/api/v1/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ username: 'bench', password: 'bench password 1' }),
    });
    const pat = await json(`${base}/api/v1/auth/pat`, {
      method: 'POST',
      token: login.access_token,
      body: JSON.stringify({ label: 'bench' }),
    });
    const token = pat.token as string;
    const topics = [
      'tides',
      'glaciers',
      'orchards',
      'comets',
      'harbours',
      'copper mines',
      'beehives',
      'lanterns',
    ];
    const ids: string[] = [];
    for (let i = 0; i < DOCS; i++) {
      const topic = topics[i % topics.length];
      const stored = await json(`${base}/api/v1/documents`, {
        method: 'POST',
        token,
        body: JSON.stringify({
          title: `Note ${i} on ${topic}`,
          content: `# ${topic}\n\nField note ${i}: observations about ${topic}, recorded on day ${i % 31}. ${randomBytes(8).toString('hex')}`,
        }),
      });
      ids.push(stored.document_id as string);
    }
    instances.push(await startInstance(18602), await startInstance(18603));
    const urls = instances.map((instance) => instance.url);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const workloads = {
      read: (url: string, i: number) => fetch(`${url}/api/v1/documents/${ids[i % ids.length]}`, { headers }),
      search: (url: string, i: number) =>
        fetch(`${url}/api/v1/documents/search`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            query: `what was observed about ${topics[i % topics.length]}`,
            mode: 'hybrid',
          }),
        }),
    };
    const results = new Map<string, Sample[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, request] of Object.entries(workloads)) {
        for (const n of LAYOUTS) {
          const sample = await drive(urls.slice(0, n), request);
          const key = `${name} ${n}`;
          results.set(key, [...(results.get(key) ?? []), sample]);
          console.error(`round ${round + 1} ${key}: ${(sample.requests / SECONDS).toFixed(0)} req/s`);
        }
      }
    }
    console.log(`\n${ROUNDS} rounds × ${SECONDS} s, ${CONCURRENCY} concurrent requests, ${DOCS} documents`);
    console.log('workload  instances  req/s (median)  vs 1  p50 ms  p95 ms  errors');
    for (const name of Object.keys(workloads)) {
      const single = median((results.get(`${name} 1`) ?? []).map((s) => s.requests / SECONDS));
      for (const n of LAYOUTS) {
        const samples = results.get(`${name} ${n}`) ?? [];
        const rate = median(samples.map((s) => s.requests / SECONDS));
        const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
        console.log(
          `${name.padEnd(9)} ${String(n).padStart(9)}  ${rate.toFixed(0).padStart(14)}  ${(rate / single).toFixed(2)}×  ${percentile(latencies, 0.5).toFixed(1).padStart(6)}  ${percentile(latencies, 0.95).toFixed(1).padStart(6)}  ${samples.reduce((sum, s) => sum + s.errors, 0)}`,
        );
      }
    }
  } finally {
    for (const instance of instances) instance.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

await main();
