/**
 * Chooses hybrid's keyword weight: gathers both legs' candidates once per query (through the product's own
 * search repository), then scores the fusion at many weights in memory, on SciFact (technical claims, where BM25
 * is strong) and on the paraphrased everyday questions (where the embedding model is). A weight is acceptable
 * when hybrid is not worse than the better leg on either.
 *
 *   npx tsx bench/tune-fusion.ts [--docs 1000]    # SciFact subset: every judged document plus filler
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Principal } from '../src/auth/principal.js';
import { OPERATOR } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { bestMatchedTerms, type Candidate, fuse, keywordCoverage } from '../src/modules/search/fusion.js';
import { searchRepository } from '../src/modules/search/search.repository.js';
import { openCliContext } from '../src/operations/local-context.js';
import type { Services } from '../src/services.js';
import { chunkVectorsRepository } from '../src/vectors/chunk-vectors.repository.js';
import { vectorLiteral } from '../src/vectors/literal.js';
import { ndcgAt } from './metrics.js';
import { PARAPHRASE_DOCS, PARAPHRASE_QUESTIONS } from './paraphrase-data.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000' },
    data: { type: 'string', default: resolve('../shared/data/scifact') },
  },
});
const WEIGHTS = [0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1];
const CACHE = resolve('bench/.data/tune-cache-v2.json');

interface Gathered {
  relevant: Set<string>;
  candidates: Candidate[];
  ceiling: number;
  docOf: Map<string, string>;
}

async function gather(
  ctx: AppContext,
  collectionId: string,
  query: string,
): Promise<Omit<Gathered, 'relevant'>> {
  const filter = { collectionIds: [collectionId] };
  const keyword = await searchRepository.keyword(ctx.db, query, filter, 100);
  const [vector] = await ctx.embedder.embed([query], 'query');
  const literal = vectorLiteral(vector ?? []);
  // Exact scan (no HNSW): the tuning must not depend on the index's recall.
  const dense = await chunkVectorsRepository.nearest(
    ctx.db,
    { vector: literal, dimensions: 512, exactScanLimit: 1e9 },
    filter,
    100,
  );
  const map = new Map<string, Candidate>(
    keyword.hits.map((h) => [h.id, { id: h.id, keyword: h.score, matched: h.matched }]),
  );
  for (const h of dense) map.set(h.id, { ...map.get(h.id), id: h.id, semantic: h.score });
  const missing = [...map.values()].filter((c) => c.semantic === undefined).map((c) => c.id);
  for (const h of await chunkVectorsRepository.similarities(ctx.db, literal, missing)) {
    const c = map.get(h.id);
    if (c) c.semantic = h.score;
  }
  return {
    candidates: [...map.values()],
    ceiling: keyword.ceiling,
    docOf: await searchRepository.documentIdsOf(ctx.db, [...map.keys()]),
  };
}

function evaluate(
  items: Gathered[],
  weight: number | ((coverage: number, matched: number) => number),
  metric: 'ndcg' | 'mrr',
): number {
  let total = 0;
  for (const item of items) {
    const w =
      typeof weight === 'number'
        ? weight
        : weight(keywordCoverage(item.candidates, item.ceiling), bestMatchedTerms(item.candidates));
    const ranked = [
      ...new Set(fuse(item.candidates, w, item.ceiling).map((f) => item.docOf.get(f.id) ?? '')),
    ];
    if (metric === 'ndcg') total += ndcgAt(ranked, item.relevant, 10);
    else {
      const position = ranked.slice(0, 10).findIndex((d) => item.relevant.has(d));
      total += position >= 0 ? 1 / (position + 1) : 0;
    }
  }
  return total / items.length;
}

async function store(
  services: Services,
  principal: Principal,
  collectionId: string,
  docs: { key: string; title: string; content: string }[],
) {
  const ids = new Map<string, string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < docs.length; i = next++) {
        const doc = docs[i];
        if (!doc) continue;
        const { document } = await services.documents.store({
          principal,
          collectionId,
          title: doc.title,
          content: doc.content,
          documentType: 'text',
          metadata: {},
        });
        ids.set(document.document_id, doc.key);
      }
    }),
  );
  return ids;
}

async function gatherAll(): Promise<{ sciItems: Gathered[]; paraItems: Gathered[] }> {
  const cli = await openCliContext(
    loadConfig({ DATA_DIR: 'memory://', JWT_SECRET_KEY: 'x'.repeat(40), LOG_LEVEL: 'silent' }),
    'bench',
  );
  try {
    const { ctx, services } = cli;
    await services.users.register({ username: 'tune', email: 'tune@example.com', password: 'tune-password' });
    const principal = await services.users.actAs({ principal: OPERATOR, login: 'tune' });

    // SciFact subset: all judged documents, then filler in corpus order.
    const qrels = new Map<string, Set<string>>();
    for (const line of readFileSync(resolve(values.data, 'qrels.tsv'), 'utf8').split('\n').slice(1)) {
      const [q, d] = line.split('\t');
      if (q && d) qrels.set(q, (qrels.get(q) ?? new Set()).add(d));
    }
    const judged = new Set([...qrels.values()].flatMap((s) => [...s]));
    const corpus = readFileSync(resolve(values.data, 'corpus.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { _id: string; title: string; text: string });
    const size = Number(values.docs);
    const subset = [
      ...corpus.filter((d) => judged.has(d._id)),
      ...corpus.filter((d) => !judged.has(d._id)),
    ].slice(0, size);
    const sci = await services.collections.create({ principal, name: 'scifact' });
    const started = Date.now();
    const sciIds = await store(
      services,
      principal,
      sci.collection_id,
      subset.map((d) => ({ key: d._id, title: d.title, content: d.text || d.title })),
    );
    console.log(`stored ${sciIds.size} SciFact documents in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const queries = readFileSync(resolve(values.data, 'queries.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { _id: string; text: string })
      .filter((q) => qrels.has(q._id));
    const sciItems: Gathered[] = [];
    for (const q of queries) {
      const g = await gather(ctx, sci.collection_id, q.text);
      const docOf = new Map([...g.docOf].map(([chunk, doc]) => [chunk, sciIds.get(doc) ?? doc]));
      sciItems.push({ ...g, docOf, relevant: qrels.get(q._id) ?? new Set() });
    }

    const para = await services.collections.create({ principal, name: 'paraphrase' });
    const paraIds = await store(services, principal, para.collection_id, PARAPHRASE_DOCS);
    const paraItems: Gathered[] = [];
    for (const q of PARAPHRASE_QUESTIONS) {
      const g = await gather(ctx, para.collection_id, q.question);
      const docOf = new Map([...g.docOf].map(([chunk, doc]) => [chunk, paraIds.get(doc) ?? doc]));
      paraItems.push({ ...g, docOf, relevant: new Set([q.key]) });
    }

    return { sciItems, paraItems };
  } finally {
    await cli.close();
  }
}

type Serialized = { relevant: string[]; candidates: Candidate[]; ceiling: number; docOf: [string, string][] };
const pack = (items: Gathered[]): Serialized[] =>
  items.map((i) => ({
    relevant: [...i.relevant],
    candidates: i.candidates,
    ceiling: i.ceiling,
    docOf: [...i.docOf],
  }));
const unpack = (items: Serialized[]): Gathered[] =>
  items.map((i) => ({
    relevant: new Set(i.relevant),
    candidates: i.candidates,
    ceiling: i.ceiling,
    docOf: new Map(i.docOf),
  }));

let data: { sciItems: Gathered[]; paraItems: Gathered[] };
if (existsSync(CACHE)) {
  const raw = JSON.parse(readFileSync(CACHE, 'utf8')) as { sci: Serialized[]; para: Serialized[] };
  data = { sciItems: unpack(raw.sci), paraItems: unpack(raw.para) };
} else {
  data = await gatherAll();
  mkdirSync(resolve('bench/.data'), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ sci: pack(data.sciItems), para: pack(data.paraItems) }));
}
const { sciItems, paraItems } = data;
console.log('weight  SciFact nDCG@10  paraphrase MRR@10   (0 = semantic only, 1 = keyword only)');
for (const w of WEIGHTS) {
  console.log(
    `${w.toFixed(2).padStart(6)}  ${evaluate(sciItems, w, 'ndcg').toFixed(3).padStart(15)}  ${evaluate(paraItems, w, 'mrr').toFixed(3).padStart(17)}`,
  );
}

const quantiles = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return [0.1, 0.25, 0.5, 0.75, 0.9]
    .map((q) => (v[Math.floor(q * (v.length - 1))] ?? 0).toFixed(2))
    .join(' ');
};
console.log(
  `coverage quantiles (10/25/50/75/90%): SciFact ${quantiles(sciItems.map((i) => keywordCoverage(i.candidates, i.ceiling)))}`,
);
console.log(
  `                                    paraphrase ${quantiles(paraItems.map((i) => keywordCoverage(i.candidates, i.ceiling)))}`,
);
console.log('adaptive: weight = coverage >= t ? hi : lo');
for (const t of [0.3, 0.4, 0.5, 0.6, 0.7]) {
  for (const [lo, hi] of [
    [0.3, 0.8],
    [0.4, 0.8],
    [0.5, 0.8],
    [0.4, 0.85],
    [0.5, 0.85],
    [0.3, 0.9],
  ] as const) {
    const rule = (c: number) => (c >= t ? hi : lo);
    console.log(
      `  t=${t} lo=${lo} hi=${hi}: SciFact ${evaluate(sciItems, rule, 'ndcg').toFixed(3)}  paraphrase ${evaluate(paraItems, rule, 'mrr').toFixed(3)}`,
    );
  }
}
console.log('adaptive: weight = lo + (hi - lo) * coverage');
for (const [lo, hi] of [
  [0.3, 0.9],
  [0.4, 0.9],
  [0.2, 1],
  [0.3, 1],
  [0.4, 1],
] as const) {
  const rule = (c: number) => lo + (hi - lo) * c;
  console.log(
    `  lo=${lo} hi=${hi}: SciFact ${evaluate(sciItems, rule, 'ndcg').toFixed(3)}  paraphrase ${evaluate(paraItems, rule, 'mrr').toFixed(3)}`,
  );
}
const counts = (items: Gathered[]) => quantiles(items.map((i) => bestMatchedTerms(i.candidates)));
console.log(`best matched terms quantiles: SciFact ${counts(sciItems)}  paraphrase ${counts(paraItems)}`);
console.log('adaptive: weight = matched >= m && coverage >= t ? hi : lo');
for (const m of [2, 3]) {
  for (const t of [0, 0.2, 0.3]) {
    for (const [lo, hi] of [
      [0.4, 0.8],
      [0.5, 0.8],
      [0.5, 0.85],
      [0.5, 0.9],
      [0.45, 0.8],
    ] as const) {
      const rule = (c: number, matched: number) => (matched >= m && c >= t ? hi : lo);
      console.log(
        `  m=${m} t=${t} lo=${lo} hi=${hi}: SciFact ${evaluate(sciItems, rule, 'ndcg').toFixed(3)}  paraphrase ${evaluate(paraItems, rule, 'mrr').toFixed(3)}`,
      );
    }
  }
}
