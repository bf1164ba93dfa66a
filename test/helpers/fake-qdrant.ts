import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Schemas } from '@qdrant/js-client-rest';
import { z } from 'zod';

/**
 * A local HTTP server speaking Qdrant's REST protocol for the calls the Qdrant vector store makes (no Qdrant
 * server can be installed here). Request bodies are parsed with strict schemas whose types are checked at
 * compile time against the request types shipped in `@qdrant/js-client-rest` (see `Conforms` below), and every
 * response is built as the client's response type, so a call the store makes that the fake does not know, or a
 * field it does not understand, fails loudly with a `400` instead of being silently ignored.
 *
 * Semantics follow Qdrant's documentation: Cosine vectors are normalised on upsert and scored by dot product,
 * filters support must/should/must_not with match value/any/except and has_id, scroll pages in id order with
 * `next_page_offset`, create answers `409` when the collection exists (Qdrant ≥ 1.8), unknown collections `404`,
 * and an `api-key` header is required when the fake is started with one.
 */

// Qdrant takes UUIDs in any of their spellings and unsigned integers.
const pointId = z.union([
  z.string().regex(/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i, 'not a UUID'),
  z.number().int().nonnegative(),
]);
type PointId = z.infer<typeof pointId>;

type FieldCondition = {
  key: string;
  match:
    | { value: string | number | boolean }
    | { any: string[] | number[] }
    | { except: string[] | number[] };
};
type HasId = { has_id: PointId[] };
interface FilterShape {
  must?: ConditionShape[] | ConditionShape | null;
  should?: ConditionShape[] | ConditionShape | null;
  must_not?: ConditionShape[] | ConditionShape | null;
}
type ConditionShape = FieldCondition | HasId | FilterShape;

const anyVariants = z.union([z.array(z.string()), z.array(z.number())]);
const fieldCondition: z.ZodType<FieldCondition> = z.strictObject({
  key: z.string().min(1),
  match: z.union([
    z.strictObject({ value: z.union([z.string(), z.number(), z.boolean()]) }),
    z.strictObject({ any: anyVariants }),
    z.strictObject({ except: anyVariants }),
  ]),
});
const hasId: z.ZodType<HasId> = z.strictObject({ has_id: z.array(pointId) });
const condition: z.ZodType<ConditionShape> = z.lazy(() => z.union([fieldCondition, hasId, filter]));
const clause = z.union([condition, z.array(condition)]).nullish();
const filter: z.ZodType<FilterShape> = z.lazy(() =>
  z.strictObject({ must: clause, should: clause, must_not: clause }),
);

const createCollection = z.strictObject({
  vectors: z.strictObject({ size: z.number().int().positive(), distance: z.enum(['Cosine', 'Dot']) }),
});
const createIndex = z.strictObject({
  field_name: z.string().min(1),
  field_schema: z.union([
    z.enum(['keyword', 'integer', 'uuid']),
    z.strictObject({ type: z.literal('keyword'), is_tenant: z.boolean().optional() }),
  ]),
});
const upsertPoints = z.strictObject({
  points: z.array(
    z.strictObject({
      id: pointId,
      vector: z.array(z.number()),
      payload: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullish(),
    }),
  ),
});
const deletePoints = z.union([z.strictObject({ points: z.array(pointId) }), z.strictObject({ filter })]);
const withFlag = z.boolean().optional();
const queryPoints = z.strictObject({
  query: z.array(z.number()),
  filter: filter.nullish(),
  limit: z.number().int().positive().max(10_000).optional(),
  offset: z.number().int().nonnegative().optional(),
  with_payload: withFlag,
  with_vector: withFlag,
  score_threshold: z.number().optional(),
});
const scrollPoints = z.strictObject({
  offset: pointId.nullish(),
  limit: z.number().int().positive().optional(),
  filter: filter.nullish(),
  with_payload: withFlag,
  with_vector: withFlag,
});
const countPoints = z.strictObject({ filter: filter.nullish(), exact: z.boolean().optional() });

/** Compile-time proof that every request the fake accepts is one the client's own types allow. */
type Conforms<Accepted extends Official, Official> = [Accepted, Official];
export type CheckedAgainstClientTypes = [
  Conforms<z.infer<typeof createCollection>, Schemas['CreateCollection']>,
  Conforms<z.infer<typeof createIndex>, Schemas['CreateFieldIndex']>,
  Conforms<z.infer<typeof upsertPoints>, Schemas['PointsList']>,
  Conforms<z.infer<typeof deletePoints>, Schemas['PointsSelector']>,
  Conforms<z.infer<typeof queryPoints>, Schemas['QueryRequest']>,
  Conforms<z.infer<typeof scrollPoints>, Schemas['ScrollRequest']>,
  Conforms<z.infer<typeof countPoints>, Schemas['CountRequest']>,
  Conforms<FilterShape, Schemas['Filter']>,
];

export type Payload = Record<string, string | number | boolean>;
interface StoredPoint {
  id: PointId;
  vector: number[];
  payload: Payload;
}
interface Collection {
  size: number;
  distance: 'Cosine' | 'Dot';
  indexes: Map<string, unknown>;
  points: Map<string, StoredPoint>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const key = (id: PointId): string => (typeof id === 'string' ? id.toLowerCase() : String(id));
const asList = <T>(value: T | T[] | null | undefined): T[] =>
  value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];

function matches(point: StoredPoint, where: ConditionShape): boolean {
  if ('has_id' in where) return where.has_id.some((id) => key(id) === key(point.id));
  if ('key' in where) {
    const value = point.payload[where.key];
    if (value === undefined) return false;
    const m = where.match;
    if ('value' in m) return value === m.value;
    if ('any' in m) return (m.any as (string | number)[]).includes(value as string | number);
    return !(m.except as (string | number)[]).includes(value as string | number);
  }
  return satisfies(point, where);
}

function satisfies(point: StoredPoint, where: FilterShape | null | undefined): boolean {
  if (!where) return true;
  const should = asList(where.should);
  return (
    asList(where.must).every((c) => matches(point, c)) &&
    (should.length === 0 || should.some((c) => matches(point, c))) &&
    !asList(where.must_not).some((c) => matches(point, c))
  );
}

function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** Qdrant orders scroll pages by id: integers first, then UUIDs. */
function byId(a: StoredPoint, b: StoredPoint): number {
  if (typeof a.id === 'number' && typeof b.id === 'number') return a.id - b.id;
  if (typeof a.id === 'number') return -1;
  if (typeof b.id === 'number') return 1;
  return key(a.id) < key(b.id) ? -1 : key(a.id) > key(b.id) ? 1 : 0;
}

export interface RecordedRequest {
  method: string;
  path: string;
}

export interface FakeQdrant {
  url: string;
  /** Added before every answer, to make calls slow. */
  delayMs: number;
  requests: RecordedRequest[];
  collections(): string[];
  /** The points of a collection, without vectors (none when it does not exist). */
  points(collection: string): { id: string; payload: Payload }[];
  /** The next `count` requests answer `status` with a Qdrant error body. */
  failNext(count: number, status?: number): void;
  /** Stops listening (clients get connection refused) and keeps the data, as if the server went down. */
  stop(): Promise<void>;
  /** Listens again on the same port (nothing when listening). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeQdrant(options: { apiKey?: string; port?: number } = {}): Promise<FakeQdrant> {
  const store = new Map<string, Collection>();
  const requests: RecordedRequest[] = [];
  const failures = { count: 0, status: 500 };
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = options.port ?? 0;

  const collectionOf = (name: string): Collection => {
    const found = store.get(name);
    if (!found) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return found;
  };
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const result = schema.safeParse(body);
    if (!result.success)
      throw new HttpError(400, `Format error in JSON body: ${z.prettifyError(result.error)}`);
    return result.data;
  };
  const completed = (): Schemas['UpdateResult'] => ({ operation_id: 0, status: 'completed' });

  function route(method: string, segments: string[], body: unknown): unknown {
    if (method === 'GET' && segments.length === 0) {
      return {
        title: 'qdrant - vector search engine (ainstruct test fake)',
        version: '1.15.0',
      } satisfies Schemas['VersionInfo'];
    }
    if (segments[0] !== 'collections') throw new HttpError(404, `Unknown path /${segments.join('/')}`);
    const name = segments[1];
    if (name === undefined) {
      if (method !== 'GET') throw new HttpError(405, 'Method not allowed');
      return {
        collections: [...store.keys()].map((n) => ({ name: n })),
      } satisfies Schemas['CollectionsResponse'];
    }
    const action = segments.slice(2).join('/');
    const call = `${method} ${action}`;
    switch (call) {
      case 'GET exists':
        return { exists: store.has(name) } satisfies Schemas['CollectionExistence'];
      case 'PUT ': {
        const { vectors } = parse(createCollection, body);
        if (store.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
        store.set(name, { ...vectors, indexes: new Map(), points: new Map() });
        return true;
      }
      case 'DELETE ':
        return store.delete(name);
      case 'GET ': {
        const c = collectionOf(name);
        return {
          status: 'green',
          points_count: c.points.size,
          indexed_vectors_count: c.points.size,
          config: { params: { vectors: { size: c.size, distance: c.distance } } },
        };
      }
      case 'PUT index': {
        const { field_name, field_schema } = parse(createIndex, body);
        collectionOf(name).indexes.set(field_name, field_schema);
        return completed();
      }
      case 'PUT points': {
        const c = collectionOf(name);
        const { points } = parse(upsertPoints, body);
        for (const point of points) {
          if (point.vector.length !== c.size) {
            throw new HttpError(
              400,
              `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${point.vector.length}`,
            );
          }
        }
        for (const point of points) {
          c.points.set(key(point.id), {
            id: point.id,
            vector: c.distance === 'Cosine' ? normalise(point.vector) : point.vector,
            payload: point.payload ?? {},
          });
        }
        return completed();
      }
      case 'POST points/delete': {
        const c = collectionOf(name);
        const selector = parse(deletePoints, body);
        if ('points' in selector) {
          for (const id of selector.points) c.points.delete(key(id));
        } else {
          for (const [id, point] of c.points) if (satisfies(point, selector.filter)) c.points.delete(id);
        }
        return completed();
      }
      case 'POST points/query': {
        const c = collectionOf(name);
        const request = parse(queryPoints, body);
        if (request.query.length !== c.size) {
          throw new HttpError(
            400,
            `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${request.query.length}`,
          );
        }
        const query = c.distance === 'Cosine' ? normalise(request.query) : request.query;
        const offset = request.offset ?? 0;
        const scored = [...c.points.values()]
          .filter((point) => satisfies(point, request.filter))
          .map((point) => ({
            point,
            score: point.vector.reduce((sum, x, i) => sum + x * (query[i] ?? 0), 0),
          }))
          .filter(({ score }) => request.score_threshold === undefined || score >= request.score_threshold)
          .sort((a, b) => b.score - a.score || byId(a.point, b.point))
          .slice(offset, offset + (request.limit ?? 10));
        return {
          points: scored.map(({ point, score }) => ({
            id: point.id,
            version: 0,
            score,
            ...(request.with_payload ? { payload: point.payload } : {}),
            ...(request.with_vector ? { vector: point.vector } : {}),
          })),
        } satisfies Schemas['QueryResponse'];
      }
      case 'POST points/scroll': {
        const c = collectionOf(name);
        const request = parse(scrollPoints, body);
        const limit = request.limit ?? 10;
        const ordered = [...c.points.values()].filter((point) => satisfies(point, request.filter)).sort(byId);
        const offset = request.offset;
        // The offset is the first id of the page (inclusive), whether or not a point has it.
        const from =
          offset === undefined || offset === null
            ? 0
            : ordered.findIndex((point) => byId(point, { id: offset, vector: [], payload: {} }) >= 0);
        const start = from < 0 ? ordered.length : from;
        const page = ordered.slice(start, start + limit);
        const next = ordered[start + limit];
        return {
          points: page.map((point) => ({
            id: point.id,
            ...(request.with_payload !== false ? { payload: point.payload } : {}),
            ...(request.with_vector ? { vector: point.vector } : {}),
          })),
          next_page_offset: next ? next.id : null,
        } satisfies Schemas['ScrollResult'];
      }
      case 'POST points/count': {
        const c = collectionOf(name);
        const request = parse(countPoints, body);
        return {
          count: [...c.points.values()].filter((point) => satisfies(point, request.filter)).length,
        } satisfies Schemas['CountResult'];
      }
      default:
        throw new HttpError(404, `The fake does not implement ${method} /collections/{name}/${action}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = (status: number, body: Record<string, unknown>) => {
      const send = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...body, time: (performance.now() - started) / 1000 }));
      };
      if (fake.delayMs > 0) setTimeout(send, fake.delayMs);
      else send();
    };
    try {
      if (options.apiKey !== undefined && req.headers['api-key'] !== options.apiKey) {
        throw new HttpError(401, 'Must provide an API key or an Authorization bearer token');
      }
      if (failures.count > 0) {
        failures.count -= 1;
        throw new HttpError(failures.status, 'Service internal error: injected by the test');
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new HttpError(400, 'Format error in JSON body: not JSON');
      }
      const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      answer(200, { result: route(req.method ?? 'GET', segments, body), status: 'ok' });
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      answer(status, { status: { error: error instanceof Error ? error.message : String(error) } });
    }
  }

  async function listen(): Promise<void> {
    if (server) return;
    const next = createServer((req, res) => void handle(req, res));
    next.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    // A test file's shared fake must not keep its worker alive after the tests.
    next.unref();
    server = next;
  }

  async function stopListening(): Promise<void> {
    const current = server;
    if (!current) return;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  }

  await listen();
  const fake: FakeQdrant = {
    url: `http://127.0.0.1:${port}`,
    delayMs: 0,
    requests,
    collections: () => [...store.keys()],
    points: (collection) =>
      [...(store.get(collection)?.points.entries() ?? [])].map(([id, point]) => ({
        id,
        payload: point.payload,
      })),
    failNext(count, status = 500) {
      failures.count = count;
      failures.status = status;
    },
    stop: stopListening,
    start: listen,
    close: stopListening,
  };
  return fake;
}
