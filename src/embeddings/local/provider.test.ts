import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingUnavailableError } from '../../errors.js';
import { dot, norm } from '../vector.js';
import { LOCAL_DIMENSIONS, LOCAL_MODEL_ID, LocalEmbeddingProvider } from './provider.js';

// One real pool for the whole file: loading the model costs about half a second per worker.
const provider = new LocalEmbeddingProvider({ workers: 2 });

beforeAll(async () => {
  await provider.warmup();
});

afterAll(async () => {
  await provider.close();
});

const sentence = (i: number) =>
  `Note ${i}: the deployment in region ${i % 5} finished after ${i * 3} minutes without errors.`;

const longText = (words: number) => {
  const vocabulary = [
    'database',
    'replication',
    'keeps',
    'a',
    'copy',
    'of',
    'every',
    'write',
    'on',
    'standby',
  ];
  return Array.from({ length: words }, (_, i) => vocabulary[(i * 7) % vocabulary.length]).join(' ');
};

describe('LocalEmbeddingProvider', () => {
  it('identifies the model and its size', () => {
    expect(provider.model).toBe(LOCAL_MODEL_ID);
    expect(provider.dimensions).toBe(512);
    expect(LOCAL_DIMENSIONS).toBe(512);
    expect(provider.stats()).toMatchObject({ workers: 2, ready: 2 });
  });

  it('returns one unit vector of 512 dimensions per text, as separate arrays', async () => {
    const vectors = await provider.embed(['hello world', 'a second text'], 'document');
    expect(vectors).toHaveLength(2);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(512);
      expect(v.byteLength).toBe(v.buffer.byteLength);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic, whatever batch a text arrives in', async () => {
    const [alone] = await provider.embed(['The cat sat on the mat.'], 'document');
    const batch = await provider.embed(
      ['Something else entirely.', 'The cat sat on the mat.', 'More.'],
      'query',
    );
    expect(alone).toBeDefined();
    expect(Array.from(batch[1] ?? [])).toEqual(Array.from(alone ?? []));
  });

  it('puts a paraphrase closer than an unrelated sentence', async () => {
    const [question, paraphrase, unrelated] = await provider.embed(
      ['How do I reset my password?', 'I forgot my login credentials', 'The recipe needs two cups of flour'],
      'query',
    );
    if (question === undefined || paraphrase === undefined || unrelated === undefined)
      throw new Error('missing');
    expect(dot(question, paraphrase)).toBeGreaterThan(dot(question, unrelated) + 0.2);
  });

  it('reads a long text through windows instead of only its first 128 tokens', async () => {
    const body = longText(2000);
    const topic = 'Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and oxygen.';
    const [withoutTail, withTail, tailAlone] = await provider.embed(
      [body, `${body} ${topic.repeat(40)}`, topic],
      'document',
    );
    if (withoutTail === undefined || withTail === undefined || tailAlone === undefined)
      throw new Error('missing');
    expect(norm(withTail)).toBeCloseTo(1, 5);
    // A model that stopped reading after 128 tokens would give both texts the same vector.
    expect(dot(withoutTail, withTail)).toBeLessThan(0.99);
    expect(dot(withTail, tailAlone)).toBeGreaterThan(dot(withoutTail, tailAlone));
  });

  it('embeds empty and whitespace-only texts to one fixed unit vector', async () => {
    const [empty, blank, text] = await provider.embed(['', ' \n\t ', 'hello'], 'query');
    if (empty === undefined || blank === undefined || text === undefined) throw new Error('missing');
    expect(norm(empty)).toBeCloseTo(1, 5);
    expect(Array.from(blank)).toEqual(Array.from(empty));
    expect(dot(empty, text)).toBeLessThan(0.9);
    const [alone] = await provider.embed([''], 'document');
    expect(Array.from(alone ?? [])).toEqual(Array.from(empty));
  });

  it('serves 200 texts from several concurrent callers, each in its own order', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => sentence(i));
    const callers = [0, 1, 2, 3, 4].map((c) => texts.filter((_, i) => i % 5 === c));
    const results = await Promise.all(
      callers.map((group, c) => provider.embed(group, c % 2 === 0 ? 'document' : 'query')),
    );
    expect(results.map((r) => r.length)).toEqual([40, 40, 40, 40, 40]);
    // Spot-check that vectors were not swapped between texts or callers.
    const [check17, check123] = await provider.embed([sentence(17), sentence(123)], 'document');
    expect(Array.from(results[17 % 5]?.[Math.floor(17 / 5)] ?? [])).toEqual(Array.from(check17 ?? []));
    expect(Array.from(results[123 % 5]?.[Math.floor(123 / 5)] ?? [])).toEqual(Array.from(check123 ?? []));
    expect(provider.stats().queuedTexts).toBe(0);
  });

  it('batches many concurrent single-text calls together and still answers each with its own vector', async () => {
    const texts = Array.from({ length: 30 }, (_, i) => `query number ${i} about deployments`);
    const single = await Promise.all(
      texts.map((t, i) => provider.embed([t], i % 3 === 0 ? 'query' : 'document')),
    );
    const batch = await provider.embed(texts, 'document');
    single.forEach((result, i) => {
      expect(result).toHaveLength(1);
      expect(Array.from(result[0] ?? [])).toEqual(Array.from(batch[i] ?? []));
    });
  });

  it('fails the affected call when a worker crashes, and replaces the worker', async () => {
    const before = provider.stats().restarts;
    const pending = provider.embed([longText(1500), longText(1600)], 'document');
    while (provider.stats().busy === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(provider._crashWorkerForTesting()).toBe(true);
    await expect(pending).rejects.toBeInstanceOf(EmbeddingUnavailableError);
    const after = await provider.embed(['still working'], 'query');
    expect(after[0]?.length).toBe(512);
    expect(provider.stats().restarts).toBe(before + 1);
    await provider.warmup();
    expect(provider.stats()).toMatchObject({ workers: 2, ready: 2 });
  });

  it('fails fast when the queue is full', async () => {
    const small = new LocalEmbeddingProvider({ workers: 1, maxQueuedTexts: 3 });
    try {
      await expect(small.embed(['a', 'b', 'c', 'd'], 'document')).rejects.toBeInstanceOf(
        EmbeddingUnavailableError,
      );
      expect(small.stats().workers).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('returns nothing for no texts without starting a worker', async () => {
    const idle = new LocalEmbeddingProvider({ workers: 1 });
    expect(await idle.embed([], 'document')).toEqual([]);
    expect(idle.stats().workers).toBe(0);
    await idle.close();
  });

  it('close() terminates the workers and rejects pending and later calls', async () => {
    const own = new LocalEmbeddingProvider({ workers: 1 });
    await own.warmup();
    expect(own.stats().workers).toBe(1);
    const pending = own.embed([longText(1000)], 'document');
    const closing = own.close();
    await expect(pending).rejects.toBeInstanceOf(EmbeddingUnavailableError);
    await closing;
    expect(own.stats()).toMatchObject({ workers: 0, ready: 0, busy: 0, queuedTexts: 0 });
    await expect(own.embed(['x'], 'document')).rejects.toBeInstanceOf(EmbeddingUnavailableError);
    await own.close();
  });

  it('stops idle workers after idleMs, answers check() without waking them, and starts them again on demand', async () => {
    const pool = new LocalEmbeddingProvider({ workers: 1, idleMs: 300 });
    try {
      const [first] = await pool.embed(['the tide came in'], 'query');
      expect(pool.stats().workers).toBe(1);
      // A busy pool is not idle: work spread over more than idleMs keeps the same worker.
      for (let i = 0; i < 3; i++) {
        await pool.embed([longText(200)], 'document');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(pool.stats()).toMatchObject({ workers: 1, retirements: 0, restarts: 0 });
      await waitFor(() => pool.stats().workers === 0);
      expect(pool.stats()).toMatchObject({ retirements: 1, restarts: 0 });
      await pool.check();
      expect(pool.stats().workers).toBe(0);
      const [again] = await pool.embed(['the tide came in'], 'query');
      expect(Array.from(again ?? [])).toEqual(Array.from(first ?? []));
      expect(pool.stats()).toMatchObject({ workers: 1, restarts: 0 });
    } finally {
      await pool.close();
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
