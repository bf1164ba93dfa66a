/**
 * Search latency as one tenant grows, with the semantic leg's recall against an exact scan. One database is
 * grown in stages through the product's REST store (`POST /api/v1/documents`, a PAT, `--concurrency` loops),
 * which measures store throughput; after each stage every query of a fixed list is searched in each mode
 * (keyword, semantic, hybrid) at concurrency 1 through `POST /api/v1/documents/search`, after a warm-up pass,
 * and p50/p95 are reported per mode with the ratio to the first stage. Recall@10 compares the product's
 * semantic top 10 (chunks, by document id and chunk index) with the exact top 10 of a brute-force scan in SQL
 * over the same tenant's vectors. A second, small tenant shares the database.
 *
 *   npx tsx bench/search-scale.ts [--sizes 1000,20000] [--reps 5] [--concurrency 6] [--other-docs 200]
 *   npx tsx bench/search-scale.ts --sizes 1000,20000,100000c     # a size ending in c counts chunks
 *   npx tsx bench/search-scale.ts --model local [--sizes 2000]   # the bundled model's real vectors
 *
 * Documents and queries are synthetic and deterministic (bench/lib/synthetic-corpus.ts). With `--model fake`
 * (the default) vectors come from bench/lib/fake-embedder.ts (hashed bag of words, 384 dimensions) through the
 * `openai` provider, so loading costs what the database and the server cost; with `--model local` the bundled
 * model embeds (EMBEDDING_WORKERS=2, short one-chunk documents, ~20 texts/s on two cores: keep it to a few
 * thousand documents), and SEARCH_EXACT_SCAN_LIMIT defaults to 0 so that the HNSW path is what is measured.
 * `--exact-scan-limit N` sets it for either model; unset, the product's default (20,000 chunks) applies, so
 * small stages are answered by an exact scan (recall 1 by construction) and large ones by the HNSW index.
 * ANALYZE runs after each stage (`--no-analyze` to skip), as autovacuum would do in steady state.
 *
 * Needs the machine's PostgreSQL with pgvector (TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres). Creates and drops its own database (`--keep` keeps it).
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import type { Executor } from '../src/db/client.js';
import { searchRepository } from '../src/modules/search/search.repository.js';
import { type FakeEmbedder, hashEmbed, startFakeEmbedder } from './lib/fake-embedder.js';
import { benchEnv, benchUserPat, type Instance, startInstance } from './lib/instance.js';
import { median, percentile } from './lib/load.js';
import { type SyntheticQuery, syntheticCorpus } from './lib/synthetic-corpus.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    model: { type: 'string', default: 'fake' },
    reps: { type: 'string', default: '5' },
    queries: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '6' },
    'other-docs': { type: 'string', default: '200' },
    dimensions: { type: 'string', default: '384' },
    'exact-scan-limit': { type: 'string' },
    length: { type: 'string' },
    'no-analyze': { type: 'boolean', default: false },
    'no-reference': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const MODEL = values.model === 'local' ? 'local' : 'fake';
const SIZES = (values.sizes ?? (MODEL === 'local' ? '2000' : '1000,20000')).split(',').map((s) => {
  const chunks = s.trim().endsWith('c');
  return { target: Number(s.trim().replace(/c$/, '')), chunks };
});
const REPS = Number(values.reps);
const QUERY_COUNT = Number(values.queries);
const CONCURRENCY = Number(values.concurrency);
const OTHER_DOCS = Number(values['other-docs']);
const DIMENSIONS = MODEL === 'local' ? 512 : Number(values.dimensions);
const EXACT_SCAN_LIMIT = values['exact-scan-limit'] ?? (MODEL === 'local' ? '0' : undefined);
const LENGTH =
  values.length === 'short' || (values.length === undefined && MODEL === 'local') ? 'short' : 'long';
const ANALYZE = !values['no-analyze'];
/** A tenant of the first stage's size, searched interleaved with every stage: ratios under the same load. */
const REFERENCE = !values['no-reference'] && SIZES.length > 1;
const MODES = ['keyword', 'semantic', 'hybrid'] as const;
type Mode = (typeof MODES)[number];
const TOP = 10;
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PRODUCT_EXACT_SCAN_DEFAULT = 20_000;

const dbName = `ainstruct_bench_${randomBytes(5).toString('hex')}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });

/** One request over keep-alive node:http; resolves with the status and the parsed body. */
function call(
  url: string,
  token: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => {
          const raw = Buffer.concat(parts).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(raw) });
          } catch {
            resolve({ status: response.statusCode ?? 0, body: { raw } });
          }
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

interface Tenant {
  token: string;
  collectionId: string;
  docs: number;
  chunks: number;
}

interface LoadStage {
  docs: number;
  chunks: number;
  seconds: number;
  serverCpu: number;
  errors: number;
}

/** Stores documents `tenant.docs`, `tenant.docs + 1`, … until the target, `CONCURRENCY` at a time. */
async function load(
  instance: Instance,
  tenant: Tenant,
  document: (i: number) => { title: string; content: string },
  target: { target: number; chunks: boolean },
): Promise<LoadStage> {
  const started = performance.now();
  const cpuBefore = instance.cpuSeconds();
  const before = { docs: tenant.docs, chunks: tenant.chunks };
  let errors = 0;
  let next = tenant.docs;
  const done = () => (target.chunks ? tenant.chunks >= target.target : next >= target.target);
  let lastReport = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!done()) {
        const i = next++;
        const { title, content } = document(i);
        const response = await call(`${instance.url}/api/v1/documents`, tenant.token, { title, content });
        if (response.status >= 300 || response.body.duplicate === true) {
          errors += 1;
          console.error(`  store ${i}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
          if (errors > 20) throw new Error('too many store errors');
          continue;
        }
        tenant.docs += 1;
        tenant.chunks += Number(response.body.chunk_count);
        tenant.collectionId = String(response.body.collection_id);
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          const s = (lastReport - started) / 1000;
          console.error(
            `  ${tenant.docs} docs, ${tenant.chunks} chunks, ${((tenant.docs - before.docs) / s).toFixed(1)} docs/s`,
          );
        }
      }
    }),
  );
  return {
    docs: tenant.docs - before.docs,
    chunks: tenant.chunks - before.chunks,
    seconds: (performance.now() - started) / 1000,
    serverCpu: instance.cpuSeconds() - cpuBefore,
    errors,
  };
}

interface Hit {
  document_id: string;
  chunk_index: number;
  scores: { semantic: number | null };
}

interface Measured {
  latencies: Record<Mode, number[]>;
  byKind: Record<Mode, Record<SyntheticQuery['kind'], number[]>>;
  /** The semantic top 10 per query, from the first measured pass. */
  semantic: Hit[][];
  errors: number;
}

const emptyMeasured = (): Measured => ({
  latencies: { keyword: [], semantic: [], hybrid: [] },
  byKind: {
    keyword: { common: [], topical: [], rare: [] },
    semantic: { common: [], topical: [], rare: [] },
    hybrid: { common: [], topical: [], rare: [] },
  },
  semantic: [],
  errors: 0,
});

/**
 * A warm-up pass, then `REPS` passes; in each, every query in every mode, the mode order rotating, asked of
 * each tenant in turn (the order alternating), so a tenant and the reference are measured under the same load.
 */
async function measure(instance: Instance, tokens: string[], queries: SyntheticQuery[]): Promise<Measured[]> {
  const out = tokens.map(emptyMeasured);
  for (let rep = -1; rep < REPS; rep++) {
    for (const [q, query] of queries.entries()) {
      for (let m = 0; m < MODES.length; m++) {
        const mode = MODES[(q + m + Math.max(rep, 0)) % MODES.length] as Mode;
        for (let i = 0; i < tokens.length; i++) {
          const t = (i + q + m) % tokens.length;
          const measured = out[t] as Measured;
          const started = performance.now();
          const response = await call(`${instance.url}/api/v1/documents/search`, tokens[t] as string, {
            query: query.text,
            mode,
            max_results: TOP,
            min_score: 0,
            max_tokens: 8000,
          });
          const ms = performance.now() - started;
          if (response.status !== 200) {
            measured.errors += 1;
            console.error(`  search ${mode} "${query.text}": ${response.status}`);
            continue;
          }
          if (rep < 0) continue;
          measured.latencies[mode].push(ms);
          measured.byKind[mode][query.kind].push(ms);
          if (rep === 0 && mode === 'semantic') measured.semantic[q] = response.body.results as Hit[];
        }
      }
    }
  }
  return out;
}

const vectorLiteral = (v: readonly number[]) => `[${v.join(',')}]`;

/** Query vectors as the server computes them: the fake embedder's function, or the server's own model. */
async function queryVectors(
  instance: Instance,
  token: string,
  queries: SyntheticQuery[],
): Promise<number[][]> {
  if (MODEL === 'fake') return queries.map((q) => hashEmbed(q.text, DIMENSIONS));
  const response = await call(`${instance.url}/v1/embeddings`, token, { input: queries.map((q) => q.text) });
  if (response.status !== 200) throw new Error(`/v1/embeddings: ${response.status}`);
  return (response.body.data as { embedding: number[] }[]).map((d) => d.embedding);
}

interface Recall {
  recall: number;
  /**
   * The same, counting a product hit as right when its cosine is within 1e-6 of the exact 10th best or better:
   * equal-distance neighbours (common with hashed vectors) can be swapped without the answer being worse.
   */
  tieRecall: number;
  /** Queries whose product top 10 equals the exact top 10 as a set. */
  perfect: number;
  /** Largest difference between the product's and the exact scan's best cosine: ~0 if the vectors agree. */
  topCosineDelta: number;
  exactMs: number;
}

/** The exact top 10 of one tenant by a brute-force scan (no index may serve it). */
async function exactTop(
  sql: postgres.Sql,
  collectionId: string,
  literal: string,
): Promise<{ document_id: string; chunk_index: number; cosine: number }[]> {
  return sql.begin(async (tx) => {
    await tx`set local enable_indexscan = off`;
    await tx`set local enable_bitmapscan = off`;
    return tx<{ document_id: string; chunk_index: number; cosine: number }[]>`
      select document_id, chunk_index, 1 - (embedding <=> ${literal}::vector) as cosine from chunks
      where collection_id = ${collectionId} order by embedding <=> ${literal}::vector, id limit ${TOP}`;
  });
}

async function recall(
  sql: postgres.Sql,
  collectionId: string,
  vectors: number[][],
  product: Hit[][],
): Promise<Recall> {
  let sum = 0;
  let tieSum = 0;
  let perfect = 0;
  let delta = 0;
  const times: number[] = [];
  for (const [q, vector] of vectors.entries()) {
    const literal = vectorLiteral(vector);
    const started = performance.now();
    const exact = await exactTop(sql, collectionId, literal);
    times.push(performance.now() - started);
    const got = new Set((product[q] ?? []).map((h) => `${h.document_id}:${h.chunk_index}`));
    const found = exact.filter((e) => got.has(`${e.document_id}:${e.chunk_index}`)).length;
    sum += found / Math.max(1, exact.length);
    const kth = Number(exact[exact.length - 1]?.cosine ?? 1);
    const good = (product[q] ?? []).filter((h) => (h.scores.semantic ?? -1) >= kth - 1e-6).length;
    tieSum += Math.min(good, exact.length) / Math.max(1, exact.length);
    if (found === exact.length) perfect += 1;
    const best = product[q]?.[0]?.scores.semantic ?? 0;
    delta = Math.max(delta, Math.abs(best - Number(exact[0]?.cosine ?? 0)));
  }
  return {
    recall: sum / vectors.length,
    tieRecall: tieSum / vectors.length,
    perfect,
    topCosineDelta: delta,
    exactMs: median(times),
  };
}

/** EXPLAIN ANALYZE of the product's HNSW query (chunk-vectors.repository.ts) for one query vector. */
async function explainSemantic(sql: postgres.Sql, collectionId: string, vector: number[]): Promise<string[]> {
  const dim = Math.trunc(DIMENSIONS);
  return sql.begin(async (tx) => {
    await tx`set local hnsw.iterative_scan = relaxed_order`;
    await tx`set local hnsw.ef_search = 200`;
    const rows = await tx.unsafe<{ 'QUERY PLAN': string }[]>(
      `explain (analyze, buffers, costs off)
       select id, score from (
         select c.id, 1 - ((c.embedding::vector(${dim})) <=> $1::vector(${dim})) as score
         from chunks c join documents d on d.id = c.document_id
         where c.collection_id = any($2::uuid[])
         order by (c.embedding::vector(${dim})) <=> $1::vector(${dim})
         limit 100
       ) hits order by score desc, id`,
      [vectorLiteral(vector), `{${collectionId}}`],
    );
    // The query vector's literal would fill screens: shown as […].
    return rows.map((r) => r['QUERY PLAN'].replace(/'\[[^\]]*\]'/g, "'[…]'"));
  });
}

const EF_SEARCH = [100, 200, 400, 1000];

/**
 * Recall@10 and median time of the product's HNSW query run directly (limit 100, iterative scan) at several
 * hnsw.ef_search values, the index forced: what the index alone gives at this size, and what a larger
 * ef_search would buy (the product uses max(100, 2 × limit) = 200).
 */
async function efSweep(
  sql: postgres.Sql,
  collectionId: string,
  vectors: number[][],
): Promise<{ ef: number; recall: number; ms: number }[]> {
  const dim = Math.trunc(DIMENSIONS);
  const exact = [];
  for (const vector of vectors) exact.push(await exactTop(sql, collectionId, vectorLiteral(vector)));
  const out = [];
  for (const ef of EF_SEARCH) {
    let sum = 0;
    const times: number[] = [];
    for (const [q, vector] of vectors.entries()) {
      const started = performance.now();
      const rows = await sql.begin(async (tx) => {
        await tx`set local hnsw.iterative_scan = relaxed_order`;
        await tx.unsafe(`set local hnsw.ef_search = ${ef}`);
        await tx`set local enable_seqscan = off`;
        return tx.unsafe<{ document_id: string; chunk_index: number }[]>(
          `select document_id, chunk_index from (
             select c.document_id, c.chunk_index, c.id,
                    (c.embedding::vector(${dim})) <=> $1::vector(${dim}) as distance
             from chunks c join documents d on d.id = c.document_id
             where c.collection_id = any($2::uuid[])
             order by (c.embedding::vector(${dim})) <=> $1::vector(${dim})
             limit 100
           ) hits order by distance, id limit ${TOP}`,
          [vectorLiteral(vector), `{${collectionId}}`],
        );
      });
      times.push(performance.now() - started);
      const got = new Set(rows.map((r) => `${r.document_id}:${r.chunk_index}`));
      const truth = exact[q] ?? [];
      sum +=
        truth.filter((e) => got.has(`${e.document_id}:${e.chunk_index}`)).length / Math.max(1, truth.length);
    }
    out.push({ ef, recall: sum / vectors.length, ms: median(times) });
  }
  return out;
}

/**
 * EXPLAIN ANALYZE of the product's own keyword SQL: searchRepository.keyword runs against an executor that
 * answers each statement on the bench database (rendered by drizzle's dialect) and explains the last one, the
 * scoring try that decided the answer. The tries it took and the terms it read in full are reported beside it.
 */
async function explainKeyword(sql: postgres.Sql, collectionId: string, query: string): Promise<string[]> {
  const dialect = new PgDialect();
  let last: { sql: string; params: unknown[] } | undefined;
  const executor = {
    execute: (statement: Parameters<PgDialect['sqlToQuery']>[0]) => {
      last = dialect.sqlToQuery(statement);
      return sql.unsafe(last.sql, last.params as postgres.ParameterOrJSON<never>[]);
    },
  } as unknown as Executor;
  const trace = { tries: 0, essential: 0, terms: 0 };
  await searchRepository.keyword(
    executor,
    query,
    { collectionIds: [collectionId] },
    100,
    undefined,
    undefined,
    trace,
  );
  if (last === undefined) return ['(no statement captured)'];
  const rows = await sql.unsafe<{ 'QUERY PLAN': string }[]>(
    `explain (analyze, buffers, costs off) ${last.sql}`,
    last.params as postgres.ParameterOrJSON<never>[],
  );
  return [
    `tries ${trace.tries}, terms read in full ${trace.essential} of ${trace.terms}`,
    ...rows.map((r) => r['QUERY PLAN']),
  ];
}

interface StageResult {
  label: string;
  docs: number;
  chunks: number;
  chunksInDb: number;
  load: LoadStage;
  measured: Measured;
  /** The reference tenant (first stage's size), measured interleaved with this stage. */
  reference: Measured | undefined;
  recall: Recall;
  path: string;
  sizes: { chunks: string; chunkTerms: string; hnsw: string; database: string };
  plan: string[];
  keywordPlan: string[];
  sweep: { ef: number; recall: number; ms: number }[];
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 1 : 0);

async function main(): Promise<void> {
  const commandLine = `npx tsx bench/search-scale.ts ${process.argv.slice(2).join(' ')}`.trim();
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  let embedder: FakeEmbedder | undefined;
  let instance: Instance | undefined;
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const results: StageResult[] = [];
  try {
    const env: Record<string, string> = { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
    if (MODEL === 'fake') {
      embedder = await startFakeEmbedder({ dimensions: DIMENSIONS });
      Object.assign(env, {
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_API_URL: embedder.url,
        EMBEDDING_MODEL: `fake-hash-${DIMENSIONS}`,
        EMBEDDING_DIMENSIONS: String(DIMENSIONS),
      });
    } else {
      Object.assign(env, { EMBEDDING_PROVIDER: 'local', EMBEDDING_WORKERS: '2' });
    }
    if (EXACT_SCAN_LIMIT !== undefined) env.SEARCH_EXACT_SCAN_LIMIT = EXACT_SCAN_LIMIT;
    instance = await startInstance(['src/cli.ts', 'serve'], benchEnv(env), 18711);
    const exactLimit = Number(EXACT_SCAN_LIMIT ?? PRODUCT_EXACT_SCAN_DEFAULT);

    const corpus = syntheticCorpus(1, LENGTH);
    const queries = corpus.queries(QUERY_COUNT);
    const main: Tenant = {
      token: await benchUserPat(instance.url, 'bench'),
      collectionId: '',
      docs: 0,
      chunks: 0,
    };
    const other: Tenant = {
      token: await benchUserPat(instance.url, 'other'),
      collectionId: '',
      docs: 0,
      chunks: 0,
    };
    if (OTHER_DOCS > 0) {
      const otherCorpus = syntheticCorpus(2, LENGTH);
      const stage = await load(instance, other, otherCorpus.document, { target: OTHER_DOCS, chunks: false });
      console.error(
        `second tenant: ${other.docs} docs, ${other.chunks} chunks in ${stage.seconds.toFixed(0)} s`,
      );
    }
    let reference: Tenant | undefined;
    if (REFERENCE) {
      reference = {
        token: await benchUserPat(instance.url, 'reference'),
        collectionId: '',
        docs: 0,
        chunks: 0,
      };
      const stage = await load(instance, reference, corpus.document, SIZES[0] as (typeof SIZES)[number]);
      console.error(
        `reference tenant: ${reference.docs} docs, ${reference.chunks} chunks in ${stage.seconds.toFixed(0)} s`,
      );
    }
    const vectors = await queryVectors(instance, main.token, queries);

    for (const size of SIZES) {
      const label = size.chunks ? `${size.target} chunks` : `${size.target} docs`;
      console.error(`stage ${label}: loading from ${main.docs} docs`);
      const stage = await load(instance, main, corpus.document, size);
      console.error(
        `  loaded ${stage.docs} docs, ${stage.chunks} chunks in ${stage.seconds.toFixed(0)} s ` +
          `(${(stage.docs / stage.seconds).toFixed(1)} docs/s, ${(stage.chunks / stage.seconds).toFixed(0)} chunks/s)`,
      );
      if (ANALYZE) await sql`analyze`;
      const [counted] = await sql<{ n: number }[]>`select count(*)::int as n from chunks`;
      console.error('  searching');
      const [measured, referenceMeasured] = (await measure(
        instance,
        reference ? [main.token, reference.token] : [main.token],
        queries,
      )) as [Measured, Measured | undefined];
      const recalled = await recall(sql, main.collectionId, vectors, measured.semantic);
      const [sizes] = await sql<StageResult['sizes'][]>`
        select pg_size_pretty(pg_total_relation_size('chunks')) as chunks,
               pg_size_pretty(pg_total_relation_size('chunk_terms')) as "chunkTerms",
               pg_size_pretty(coalesce((select sum(pg_relation_size(indexrelid)) from pg_index
                 where indexrelid::regclass::text like 'chunks_embedding_hnsw_%'), 0)) as hnsw,
               pg_size_pretty(pg_database_size(current_database())) as database`;
      const plan = await explainSemantic(sql, main.collectionId, vectors[0] as number[]);
      const common = queries.find((q) => q.kind === 'common') ?? (queries[0] as SyntheticQuery);
      const keywordPlan = await explainKeyword(sql, main.collectionId, common.text);
      const sweep = await efSweep(sql, main.collectionId, vectors);
      results.push({
        label,
        docs: main.docs,
        chunks: main.chunks,
        chunksInDb: counted?.n ?? 0,
        load: stage,
        measured,
        reference: referenceMeasured,
        recall: recalled,
        // Above the limit the product runs the HNSW query, and the planner still decides whether the index serves it.
        path:
          main.chunks <= exactLimit
            ? 'exact scan (below SEARCH_EXACT_SCAN_LIMIT)'
            : plan.some((line) => line.includes('chunks_embedding_hnsw'))
              ? 'HNSW index'
              : 'HNSW query, planned as a scan',
        sizes: sizes as StageResult['sizes'],
        plan,
        keywordPlan,
        sweep,
      });
      const p50 = MODES.map((m) => `${m} ${fmt(median(measured.latencies[m]))}`).join(', ');
      console.error(`  p50 ms: ${p50}; recall@10 ${recalled.recall.toFixed(3)}`);
    }

    const [version] = await sql<{ version: string }[]>`select version()`;
    const [vectorVersion] = await sql<
      { v: string }[]
    >`select extversion as v from pg_extension where extname = 'vector'`;
    const out: string[] = [];
    out.push(`# search-scale — ${new Date().toISOString()}`);
    out.push(`command: ${commandLine}`);
    out.push(
      `machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ' ',
        )}; ${version?.version.split(',')[0]}; pgvector ${vectorVersion?.v}; node ${process.version}`,
    );
    out.push(
      `model: ${MODEL === 'fake' ? `fake hashed bag of words, ${DIMENSIONS} dims, via the openai provider` : 'bundled local model (USE lite, 512 dims), EMBEDDING_WORKERS=2'}; ` +
        `documents: ${LENGTH}; vocabulary ${corpus.vocabularySize} words, ${corpus.topics} topics; ` +
        `${queries.length} queries × ${REPS} reps per mode at concurrency 1 (after a warm-up pass), ` +
        `max_results ${TOP}, min_score 0; SEARCH_EXACT_SCAN_LIMIT ${EXACT_SCAN_LIMIT ?? `default (${PRODUCT_EXACT_SCAN_DEFAULT})`}; ` +
        `store concurrency ${CONCURRENCY}; ANALYZE after each stage: ${ANALYZE ? 'yes' : 'no'}`,
    );
    out.push(`second tenant: ${other.docs} docs, ${other.chunks} chunks`);
    out.push('');
    if (reference) {
      out.push(
        `reference tenant: ${reference.docs} docs, ${reference.chunks} chunks (the first stage's documents), ` +
          'searched interleaved with every stage: "ratio to reference" compares p50s taken under the same load',
      );
    }
    out.push('');
    out.push(
      '| stage | docs | chunks (tenant / db) | mode | p50 ms | p95 ms | p50 ratio to first | reference p50 ms | p50 ratio to reference |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|');
    const first = results[0];
    for (const r of results) {
      for (const mode of MODES) {
        const sorted = [...r.measured.latencies[mode]].sort((a, b) => a - b);
        const p50 = percentile(sorted, 0.5);
        const base = first ? median(first.measured.latencies[mode]) : p50;
        const ref = r.reference ? median(r.reference.latencies[mode]) : undefined;
        out.push(
          `| ${r.label} | ${r.docs} | ${r.chunks} / ${r.chunksInDb} | ${mode} | ${fmt(p50)} | ${fmt(percentile(sorted, 0.95))} | ${(p50 / base).toFixed(2)}× | ${ref === undefined ? '–' : fmt(ref)} | ${ref === undefined ? '–' : `${(p50 / ref).toFixed(2)}×`} |`,
        );
      }
    }
    out.push('');
    out.push('p50 ms by query kind (common / topical / rare):');
    for (const r of results) {
      const parts = MODES.map((m) => {
        const k = r.measured.byKind[m];
        return `${m} ${fmt(median(k.common))} / ${fmt(median(k.topical))} / ${fmt(median(k.rare))}`;
      });
      out.push(`  ${r.label}: ${parts.join('; ')}`);
    }
    out.push('');
    out.push(
      '| stage | docs added | chunks added | seconds | docs/s | chunks/s | server CPU ms/doc | store errors |',
    );
    out.push('|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const l = r.load;
      out.push(
        `| ${r.label} | ${l.docs} | ${l.chunks} | ${l.seconds.toFixed(0)} | ${(l.docs / l.seconds).toFixed(1)} | ${(l.chunks / l.seconds).toFixed(0)} | ${((l.serverCpu * 1000) / Math.max(1, l.docs)).toFixed(1)} | ${l.errors} |`,
      );
    }
    out.push('');
    out.push(
      '| stage | semantic path | recall@10 vs exact | tie-aware recall@10 | queries with all 10 | max Δ top-1 cosine | exact scan ms (p50) |',
    );
    out.push('|---|---|---|---|---|---|---|');
    for (const r of results) {
      out.push(
        `| ${r.label} | ${r.path} | ${r.recall.recall.toFixed(3)} | ${r.recall.tieRecall.toFixed(3)} | ${r.recall.perfect}/${queries.length} | ${r.recall.topCosineDelta.toExponential(1)} | ${fmt(r.recall.exactMs)} |`,
      );
    }
    out.push('');
    out.push(
      `HNSW query run directly, index forced (enable_seqscan off), recall@10 / median ms by hnsw.ef_search (${EF_SEARCH.join(', ')}):`,
    );
    for (const r of results) {
      out.push(
        `  ${r.label}: ${r.sweep.map((e) => `${e.ef}: ${e.recall.toFixed(3)} / ${fmt(e.ms)} ms`).join('; ')}`,
      );
    }
    const execution = (plan: string[]) =>
      plan.find((l) => l.startsWith('Execution Time'))?.replace('Execution Time: ', '');
    out.push(
      `SQL execution time (EXPLAIN ANALYZE) of the product's keyword query for "${(queries.find((q) => q.kind === 'common') ?? queries[0])?.text}" / of its HNSW query: ` +
        results.map((r) => `${r.label} ${execution(r.keywordPlan)} / ${execution(r.plan)}`).join('; '),
    );
    out.push('');
    out.push('| stage | chunks table | chunk_terms | HNSW index | database |');
    out.push('|---|---|---|---|---|');
    for (const r of results) {
      out.push(
        `| ${r.label} | ${r.sizes.chunks} | ${r.sizes.chunkTerms} | ${r.sizes.hnsw} | ${r.sizes.database} |`,
      );
    }
    const errors = results.reduce((n, r) => n + r.measured.errors, 0);
    if (errors > 0) out.push(`\nsearch errors: ${errors}`);
    const last = results[results.length - 1];
    if (last) {
      out.push('');
      out.push(
        `EXPLAIN ANALYZE of the product's HNSW query at ${last.label} (ef_search 200, iterative scan):`,
      );
      for (const line of last.plan) out.push(`    ${line}`);
      out.push('');
      out.push(`EXPLAIN ANALYZE of the product's keyword query at ${last.label}:`);
      for (const line of last.keywordPlan) out.push(`    ${line}`);
    }
    if (embedder)
      out.push(`\nfake embedder: ${embedder.stats.requests} requests, ${embedder.stats.texts} texts`);
    console.log(out.join('\n'));
  } finally {
    instance?.child.kill('SIGTERM');
    agent.destroy();
    await sql.end();
    await embedder?.close();
    if (instance && instance.child.exitCode === null) {
      await new Promise((resolve) => instance?.child.once('exit', resolve));
    }
    if (values.keep) console.error(`kept database ${dbName}`);
    else await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
