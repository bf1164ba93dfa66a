import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake reranker received. */
export interface RerankRequestSeen {
  path: string;
  headers: IncomingHttpHeaders;
  body: { model?: string; query: string; documents?: string[]; texts?: string[]; top_n?: number };
}

/** What the next answers are, instead of the scored reversed order. */
export type RerankBehaviour =
  | { kind: 'reverse' }
  | { kind: 'status'; status: number }
  | { kind: 'raw'; body: string }
  | { kind: 'json'; body: unknown }
  /** Answer (reversed) only after this long: past the client's timeout, it gives up first. */
  | { kind: 'slow'; delayMs: number };

/**
 * A real HTTP server speaking the `/rerank` protocol: the Cohere/Jina/vLLM shape (`documents` in,
 * `{results: [{index, relevance_score}]}` out) or TEI's (`texts` in, `[{index, score}]` out), chosen per request
 * by the field it receives. By default it ranks the documents in reverse order, so a test can tell a reranked
 * result from the fused one. It records every request.
 */
export class FakeReranker {
  readonly requests: RerankRequestSeen[] = [];
  behaviour: RerankBehaviour = { kind: 'reverse' };
  private readonly server: Server;
  private readonly pending = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => {
        raw += chunk.toString();
      });
      req.on('end', () => this.answer(req.url ?? '', req.headers, raw, res));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.behaviour = { kind: 'reverse' };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const res of this.pending) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const body = JSON.parse(raw) as RerankRequestSeen['body'];
    this.requests.push({ path, headers, body });
    const behaviour = this.behaviour;
    const reply = JSON.stringify(reversed(body));
    if (behaviour.kind === 'slow') {
      this.later(res, reply, behaviour.delayMs);
      return;
    }
    const [status, text] =
      behaviour.kind === 'status'
        ? [behaviour.status, '{"message":"internal"}']
        : behaviour.kind === 'raw'
          ? [200, behaviour.body]
          : behaviour.kind === 'json'
            ? [200, JSON.stringify(behaviour.body)]
            : [200, reply];
    this.send(res, status, text);
  }

  private later(res: ServerResponse, reply: string, delayMs: number): void {
    this.pending.add(res);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pending.delete(res);
      if (!res.destroyed) this.send(res, 200, reply);
    }, delayMs);
    this.timers.add(timer);
  }

  private send(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  }
}

/** The last document scores highest; answered in index order, so the client must sort by score itself. */
function reversed(body: RerankRequestSeen['body']): unknown {
  const texts = body.texts ?? body.documents ?? [];
  const scored = texts.map((_, index) => ({ index, score: (index + 1) / texts.length }));
  if (body.texts) return scored;
  return { results: scored.map(({ index, score }) => ({ index, relevance_score: score })) };
}
