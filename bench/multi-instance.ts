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
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { benchEnv, benchUserPat, type Instance, json, startInstance } from './lib/instance.js';
import { drive, latencyOf, median, rate, type Sample } from './lib/load.js';

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

const startServe = (port: number) =>
  startInstance(
    ['src/cli.ts', 'serve'],
    benchEnv({ DATABASE_URL: databaseUrl, REDIS_URL, REDIS_KEY_PREFIX: `${dbName}:`, LOG_LEVEL: 'warn' }),
    port,
  );

async function main(): Promise<void> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const instances: Instance[] = [];
  try {
    instances.push(await startServe(18601));
    const base = instances[0]?.url as string;
    const token = await benchUserPat(base);
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
    instances.push(await startServe(18602), await startServe(18603));
    const urls = instances.map((instance) => instance.url);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const workloads = {
      read: (url: string, i: number) => ({ url: `${url}/api/v1/documents/${ids[i % ids.length]}`, headers }),
      search: (url: string, i: number) => ({
        url: `${url}/api/v1/documents/search`,
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
          // Each request goes to the next instance in turn.
          const sample = await drive((i) => request(urls[i % n] as string, i), {
            concurrency: CONCURRENCY,
            seconds: SECONDS,
          });
          const key = `${name} ${n}`;
          results.set(key, [...(results.get(key) ?? []), sample]);
          console.error(`round ${round + 1} ${key}: ${rate(sample).toFixed(0)} req/s`);
        }
      }
    }
    console.log(`\n${ROUNDS} rounds × ${SECONDS} s, ${CONCURRENCY} concurrent requests, ${DOCS} documents`);
    console.log('workload  instances  req/s (median)  vs 1  p50 ms  p95 ms  errors');
    for (const name of Object.keys(workloads)) {
      const single = median((results.get(`${name} 1`) ?? []).map(rate));
      for (const n of LAYOUTS) {
        const samples = results.get(`${name} ${n}`) ?? [];
        const perSecond = median(samples.map(rate));
        const { p50, p95 } = latencyOf(samples);
        console.log(
          `${name.padEnd(9)} ${String(n).padStart(9)}  ${perSecond.toFixed(0).padStart(14)}  ${(perSecond / single).toFixed(2)}×  ${p50.toFixed(1).padStart(6)}  ${p95.toFixed(1).padStart(6)}  ${samples.reduce((sum, s) => sum + s.errors, 0)}`,
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
