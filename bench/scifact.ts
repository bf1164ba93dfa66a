/**
 * Retrieval quality and speed on BEIR SciFact, through the product's own store and search paths.
 *
 *   npx tsx bench/scifact.ts                       # embedded PGlite in bench/.data/pglite
 *   npx tsx bench/scifact.ts --db postgres         # PostgreSQL (BENCH_DATABASE_URL or local server)
 *   npx tsx bench/scifact.ts --weights 0.5,0.75,0.9   # also score hybrid at other keyword weights
 *   npx tsx bench/scifact.ts --db postgres --model fake   # keyword only, ingested in a minute
 *   npx tsx bench/scifact.ts --db postgres --hnsw-recall  # also recall@10 of the HNSW path against exact
 *   npx tsx bench/scifact.ts --db postgres --model fake --keyword-pruning   # pruned keyword leg vs full scan
 *
 * `--model fake` embeds with bench/lib/fake-embedder.ts (hashed bag of words) into a database of its own, so
 * the keyword leg, which never reads a vector, can be checked without the model's ≈20 min ingest; its semantic
 * and hybrid figures are those of the fake vectors and say nothing about the product.
 *
 * The corpus is read in place from ../shared/data/scifact (non-commercial licence: never copied into the repo).
 * Ingest happens once per database (≈20 min with the bundled model on two cores); later runs reuse it.
 * Prints nDCG@10 and Recall@100 per mode, ingest throughput, and search latency p50/p95 per mode.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { OPERATOR } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';
import { collectionsRepository } from '../src/modules/collections/collections.repository.js';
import { openCliContext } from '../src/operations/local-context.js';
import { PgvectorStore } from '../src/vectors/pgvector-store.js';
import { type FakeEmbedder, startFakeEmbedder } from './lib/fake-embedder.js';
import { keywordPruning } from './lib/keyword-pruning.js';
import { dedupeDocuments, ndcgAt, percentile, recallAt } from './metrics.js';
import { searchFor, searchRuns } from './runs.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    data: { type: 'string', default: resolve('../shared/data/scifact') },
    weights: { type: 'string' },
    limit: { type: 'string' },
    model: { type: 'string', default: 'local' },
    'hnsw-recall': { type: 'boolean', default: false },
    'keyword-pruning': { type: 'boolean', default: false },
  },
});
const FAKE = values.model === 'fake';
const FAKE_DIMENSIONS = 384;

const BENCH_USER = 'bench';
const COLLECTION = 'scifact';

interface CorpusDoc {
  _id: string;
  title: string;
  text: string;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

async function databaseEnv(): Promise<Record<string, string>> {
  if (values.db !== 'postgres') return { DATA_DIR: resolve(FAKE ? 'bench/.data-fake' : 'bench/.data') };
  const server = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  const name = FAKE ? 'ainstruct_bench_fake' : 'ainstruct_bench';
  const exists = await admin`select 1 from pg_database where datname = ${name}`;
  if (exists.length === 0) await admin.unsafe(`create database ${name}`);
  await admin.end();
  return { DATABASE_URL: server.replace(/\/[^/?]*(\?|$)/, `/${name}$1`) };
}

async function embedderEnv(): Promise<{ env: Record<string, string>; fake?: FakeEmbedder }> {
  if (!FAKE) return { env: {} };
  const fake = await startFakeEmbedder({ dimensions: FAKE_DIMENSIONS });
  const env = {
    EMBEDDING_PROVIDER: 'openai',
    EMBEDDING_API_URL: fake.url,
    EMBEDDING_MODEL: `fake-hash-${FAKE_DIMENSIONS}`,
    EMBEDDING_DIMENSIONS: String(FAKE_DIMENSIONS),
  };
  return { env, fake };
}

async function main() {
  const embedding = await embedderEnv();
  const env = {
    JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret',
    LOG_LEVEL: 'silent',
    ...(await databaseEnv()),
    ...embedding.env,
  };
  const config = loadConfig({ ...process.env, ...env });
  const cli = await openCliContext(config, 'bench');
  const { ctx, services } = cli;
  try {
    const existing = await services.users
      .actAs({ principal: OPERATOR, login: BENCH_USER })
      .catch(() => undefined);
    if (!existing) {
      await services.users.register({
        username: BENCH_USER,
        email: 'bench@example.com',
        password: 'bench-password',
      });
    }
    const principal = existing ?? (await services.users.actAs({ principal: OPERATOR, login: BENCH_USER }));
    const corpus = readJsonl<CorpusDoc>(resolve(values.data, 'corpus.jsonl'));
    const limit = values.limit ? Number(values.limit) : corpus.length;
    const collection =
      (await collectionsRepository.findByName(ctx.db, principal.userId, COLLECTION)) ??
      (await collectionsRepository.insert(ctx.db, principal.userId, COLLECTION));

    // Ingest (skips documents already stored: identical content is a duplicate).
    const listed = await services.documents.list({
      principal,
      collectionId: collection.id,
      limit: 1,
      offset: 0,
      sort: 'created_at',
      order: 'desc',
    });
    const idOf = new Map<string, string>(); // product document id -> corpus id
    if (listed.total < limit) {
      const started = Date.now();
      let chunks = 0;
      let next = 0;
      let stored = 0;
      const worker = async () => {
        for (let i = next++; i < limit; i = next++) {
          const doc = corpus[i];
          if (!doc) continue;
          const result = await services.documents.store({
            principal,
            collectionId: collection.id,
            title: doc.title || doc._id,
            content: doc.text || doc.title,
            documentType: 'text',
            metadata: { corpus_id: doc._id },
          });
          if (!result.duplicate) {
            stored += 1;
            chunks += result.document.chunk_count;
          }
          if (stored % 250 === 0) process.stderr.write(`\ringested ${stored}/${limit}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `\ningest: ${stored} documents, ${chunks} chunks in ${seconds.toFixed(0)} s = ` +
          `${(stored / seconds).toFixed(1)} docs/s, ${(chunks / seconds).toFixed(1)} chunks/s`,
      );
    }
    for (let offset = 0; ; offset += 100) {
      const page = await services.documents.list({
        principal,
        collectionId: collection.id,
        limit: 100,
        offset,
        sort: 'created_at',
        order: 'asc',
      });
      for (const d of page.documents) idOf.set(d.document_id, String(d.metadata.corpus_id));
      if (page.documents.length < 100) break;
    }

    const queries = readJsonl<{ _id: string; text: string }>(resolve(values.data, 'queries.jsonl'));
    const qrels = new Map<string, Set<string>>();
    for (const line of readFileSync(resolve(values.data, 'qrels.tsv'), 'utf8').split('\n').slice(1)) {
      const [query, doc] = line.split('\t');
      if (!query || !doc) continue;
      if (!qrels.has(query)) qrels.set(query, new Set());
      qrels.get(query)?.add(doc);
    }
    const judged = queries.filter((q) => qrels.has(q._id));

    const runs = searchRuns(values.weights);
    console.log(`db=${ctx.dbKind} model=${ctx.embedder.model} queries=${judged.length} docs=${idOf.size}`);
    if (FAKE) console.log('fake vectors: only the keyword row measures the product');
    console.log('mode        nDCG@10  Recall@100  p50 ms  p95 ms');
    for (const run of runs) {
      const search = searchFor(ctx, services.search, run);
      let ndcg = 0;
      let recall = 0;
      const latencies: number[] = [];
      for (const query of judged) {
        const started = performance.now();
        const ranked = await search.rankChunks(
          {
            principal,
            query: query.text,
            mode: run.mode,
            maxResults: 100,
            maxTokens: 20_000,
            minScore: 0,
            collectionIds: [collection.id],
          },
          200,
        );
        latencies.push(performance.now() - started);
        const docs = dedupeDocuments(ranked.map((r) => idOf.get(r.documentId) ?? r.documentId));
        const relevant = qrels.get(query._id) ?? new Set<string>();
        ndcg += ndcgAt(docs, relevant, 10);
        recall += recallAt(docs, relevant, 100);
      }
      console.log(
        `${run.label.padEnd(11)} ${(ndcg / judged.length).toFixed(3)}    ${(recall / judged.length).toFixed(3)}       ` +
          `${percentile(latencies, 50).toFixed(1).padStart(6)}  ${percentile(latencies, 95).toFixed(1).padStart(6)}`,
      );
    }
    if (values['hnsw-recall']) await hnswRecall(ctx, collection.id, judged);
    if (values['keyword-pruning']) console.log(await keywordPruning(ctx.db, collection.id, judged, 3));
  } finally {
    await cli.close();
    await embedding.fake?.close();
  }
}

/**
 * The product's own vector path run twice per claim, the embedded claim as the product embeds it: forced onto
 * the HNSW query (an exact-scan limit of 0) and forced onto the exact scan. Recall@10 is the share of the exact
 * top 10 the index returned.
 */
async function hnswRecall(
  ctx: Awaited<ReturnType<typeof openCliContext>>['ctx'],
  collectionId: string,
  claims: { text: string }[],
): Promise<void> {
  const viaIndex = new PgvectorStore({ db: ctx.db, exactScanLimit: 0, log: ctx.log });
  const exact = new PgvectorStore({ db: ctx.db, exactScanLimit: Number.MAX_SAFE_INTEGER, log: ctx.log });
  const filter = { collectionIds: [collectionId] };
  let sum = 0;
  let complete = 0;
  for (const claim of claims) {
    const [vector] = await ctx.embedder.embed([claim.text], 'query');
    if (!vector) continue;
    const truth = await exact.search({ vector, filter, limit: 10 });
    const got = new Set((await viaIndex.search({ vector, filter, limit: 10 })).map((h) => h.id));
    const found = truth.filter((h) => got.has(h.id)).length;
    sum += found / Math.max(1, truth.length);
    if (found === truth.length) complete++;
  }
  const chunks = await exact.count();
  console.log(
    `HNSW recall@10 against exact on ${chunks} chunks of real vectors (${ctx.embedder.model}): ` +
      `${(sum / claims.length).toFixed(3)}; claims with all 10: ${complete}/${claims.length}`,
  );
}

await main();
