/**
 * A fast, deterministic stand-in for an embedding API: `POST /v1/embeddings` in the OpenAI format (input a
 * string or an array of strings, optional `dimensions`), answered by feature hashing instead of a model. Each
 * lowercased word (and each pair of adjacent words, at half weight) is hashed to a signed coordinate, with
 * log-damped counts; short words weigh less, so the ranking is carried by content words. Texts sharing words
 * are near each other, so nearest neighbours follow topics rather than chance, and the same text always gives
 * the same vector. It costs microseconds per text, so a bench can load 100k chunks and measure the database.
 *
 *   const embedder = await startFakeEmbedder({ dimensions: 384 });
 *   // EMBEDDING_PROVIDER=openai EMBEDDING_API_URL=embedder.url EMBEDDING_MODEL=... EMBEDDING_DIMENSIONS=384
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** 32-bit FNV-1a of a string, with a seed folded in first so one text gives independent hashes. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The hashed bag-of-words vector of a text, L2-normalised and rounded to 6 decimals (what is sent). */
export function hashEmbed(text: string, dimensions: number): number[] {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    add(word, word.length >= 4 ? 1 : 0.25);
    const next = words[i + 1];
    if (next !== undefined && word.length >= 4 && next.length >= 4) add(`${word} ${next}`, 0.5);
  }
  const vector = new Array<number>(dimensions).fill(0);
  for (const [feature, weight] of counts) {
    const slot = fnv1a(feature, 0) % dimensions;
    const sign = fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1;
    vector[slot] = (vector[slot] as number) + sign * Math.log1p(weight);
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  // An empty text still needs a non-zero vector (the provider rejects zero vectors): a fixed unit vector.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export interface FakeEmbedder {
  /** Base URL up to and including `/v1`, as EMBEDDING_API_URL takes it. */
  url: string;
  dimensions: number;
  /** Requests and texts answered so far. */
  stats: { requests: number; texts: number };
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (`port` 0: any free port). */
export function startFakeEmbedder(options: { dimensions: number; port?: number }): Promise<FakeEmbedder> {
  const stats = { requests: 0, texts: 0 };
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    };
    if (request.method !== 'POST' || !request.url?.endsWith('/embeddings')) {
      reply(404, { error: { message: 'only POST /v1/embeddings' } });
      return;
    }
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      let body: { input?: unknown; model?: unknown; dimensions?: unknown };
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        reply(400, { error: { message: 'body is not JSON' } });
        return;
      }
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(input) || input.some((t) => typeof t !== 'string')) {
        reply(400, { error: { message: 'input must be a string or an array of strings' } });
        return;
      }
      const dimensions = typeof body.dimensions === 'number' ? body.dimensions : options.dimensions;
      let tokens = 0;
      const data = (input as string[]).map((text, index) => {
        tokens += Math.ceil(text.length / 4);
        return { object: 'embedding', index, embedding: hashEmbed(text, dimensions) };
      });
      stats.requests += 1;
      stats.texts += input.length;
      reply(200, {
        object: 'list',
        data,
        model: typeof body.model === 'string' ? body.model : 'fake-hash',
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        dimensions: options.dimensions,
        stats,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
