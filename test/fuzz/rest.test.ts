import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  argument,
  encodeComponent,
  headerSafe,
  hostileJson,
  type JsonSchema,
  nested,
  queryText,
  SKIP_KNOWN,
} from './arbitraries.js';
import { fuzz, type Observed, report, restProblems, stateProblems } from './oracle.js';
import { type Credential, FUZZ_ENV, World } from './world.js';

/**
 * Every REST route, as the OpenAPI document (built from the routes' zod schemas) lists it, gets generated
 * requests from every kind of caller: valid-but-hostile and invalid parameters, bodies and content types.
 * A new route is fuzzed without any change here; a route hidden from the document fails the coverage test.
 */

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  /** OpenAPI form, e.g. /api/v1/documents/{document_id} */
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}

interface Built {
  caller: Credential;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

const world = await World.start();
const openapi = (await world.api.get('/api/v1/openapi.json')).body as {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } }
    >
  >;
};
const operations: Operation[] = Object.entries(openapi.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    method: method.toUpperCase(),
    path,
    parameters: operation.parameters ?? [],
    body: operation.requestBody?.content['application/json']?.schema,
  })),
);

afterAll(() => world.close());

/** Destructive: may remove or replace what it is aimed at. */
const unsafe = (op: Operation) =>
  op.method === 'DELETE' || op.method === 'PATCH' || /\/(delete|rotate)$/.test(op.path);

const bodyLimit = Number(FUZZ_ENV.MAX_BODY_BYTES);

/** Bodies no schema describes: broken, oddly typed, deeply nested, or not JSON at all. */
const RAW_BODIES: { body: string | Uint8Array; contentType?: string }[] = [
  { body: '', contentType: 'application/json' },
  { body: '{' },
  { body: '{"a":1,}' },
  { body: 'null' },
  { body: '[]' },
  { body: '"text"' },
  { body: '1' },
  { body: 'true' },
  { body: '\ufeff{}' },
  { body: '{"name":"a","name":"b"}' },
  { body: '{"__proto__":{"polluted":true}}' },
  { body: '{"constructor":{"prototype":{"polluted":true}}}' },
  { body: `${'['.repeat(20_000)}${']'.repeat(20_000)}` },
  { body: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}` },
  { body: JSON.stringify(nested(1_000, 'object')) },
  { body: new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]) },
  { body: '{}', contentType: 'text/plain' },
  { body: 'name=a&title=b', contentType: 'application/x-www-form-urlencoded' },
  {
    body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    contentType: 'multipart/form-data; boundary=x',
  },
  { body: '{}', contentType: 'application/json; charset=utf-16' },
  { body: '{}', contentType: 'application/json; charset=latin1' },
  { body: '{}', contentType: 'application/jsonx' },
  { body: '{}', contentType: ';;;' },
  { body: '{"title":"t","content":"c"}', contentType: '' },
  ...(SKIP_KNOWN
    ? []
    : [
        { body: JSON.stringify({ title: 't', content: 'z'.repeat(bodyLimit + 1) }) },
        { body: '{"name":"\\u0000","title":"\\ud800","query":"\\udfff","label":"a\\u0000"}' },
      ]),
];

const CONTENT_TYPES = [
  'APPLICATION/JSON',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'text/json',
];

function bodyArbitrary(
  op: Operation,
  caller: Credential,
): fc.Arbitrary<{ body: string | Uint8Array; contentType?: string } | undefined> {
  if (op.method === 'GET') return fc.constant(undefined);
  const raw = fc.constantFrom(...RAW_BODIES);
  if (!op.body) {
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: hostileJson.map((value) => ({ body: JSON.stringify(value) ?? 'null' })) },
      { weight: 1, arbitrary: raw },
    );
  }
  const ids = world.idSource(caller, unsafe(op));
  const json = argument(op.body, 'body', ids).map((value) => JSON.stringify(value) ?? 'null');
  return fc.oneof(
    { weight: 10, arbitrary: json.map((body) => ({ body })) },
    { weight: 2, arbitrary: raw },
    {
      weight: 1,
      arbitrary: fc
        .tuple(json, fc.constantFrom(...CONTENT_TYPES))
        .map(([body, contentType]) => ({ body, contentType })),
    },
  );
}

/** A parameter's value as text; sometimes left out even when required. */
function parameterText(parameter: Parameter, caller: Credential, op: Operation): fc.Arbitrary<string[]> {
  const ids = world.idSource(caller, unsafe(op));
  const value = argument(parameter.schema, parameter.name, ids).map(queryText);
  if (parameter.in === 'path') return value.map((texts) => [texts[0] ?? '']);
  const omitted = parameter.required ? 1 : 3;
  return fc.oneof({ weight: omitted, arbitrary: fc.constant<string[]>([]) }, { weight: 4, arbitrary: value });
}

const EXTRA_QUERY: [string, string][] = [
  ['limit', '1'],
  ['limit', '-5'],
  ['offset', '1e3'],
  ['unknown', 'x'],
  ['__proto__', 'x'],
  ['constructor[prototype][polluted]', '1'],
  ['sort', 'title;drop table users'],
  ['collection_id', "'%_"],
];

function requestArbitrary(op: Operation, caller: Credential): fc.Arbitrary<Built> {
  const parameters = op.parameters.map((p) =>
    parameterText(p, caller, op).map((texts) => [p, texts] as const),
  );
  return fc
    .tuple(
      fc.tuple(...parameters),
      fc.option(fc.constantFrom(...EXTRA_QUERY), { freq: 4, nil: undefined }),
      bodyArbitrary(op, caller),
    )
    .map(([values, extra, body]) => {
      let path = op.path;
      const query: string[] = [];
      const headers: Record<string, string> = {};
      for (const [parameter, texts] of values) {
        if (parameter.in === 'path')
          path = path.replace(`{${parameter.name}}`, encodeComponent(texts[0] ?? ''));
        else if (parameter.in === 'query') {
          for (const text of texts) query.push(`${encodeComponent(parameter.name)}=${encodeComponent(text)}`);
        } else if (texts[0] !== undefined) headers[parameter.name] = headerSafe(texts[0]);
      }
      if (extra) query.push(`${encodeComponent(extra[0])}=${encodeComponent(extra[1])}`);
      if (caller.authorization !== undefined) headers.authorization = caller.authorization;
      if (body?.contentType !== undefined) {
        if (body.contentType !== '') headers['content-type'] = body.contentType;
      } else if (body !== undefined) headers['content-type'] = 'application/json';
      const url = `${path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
      return { caller, method: op.method, url, headers, body: body?.body };
    });
}

function describeRequest(built: Built): string {
  const body =
    built.body instanceof Uint8Array
      ? `<bytes ${Buffer.from(built.body).toString('hex')}>`
      : (built.body ?? '');
  const headers = Object.entries(built.headers)
    .map(([name, value]) => `${name}: ${value.length > 120 ? `${value.slice(0, 120)}…` : value}`)
    .join('; ');
  return `${built.method} ${built.url} [${headers}] ${body}`;
}

async function send(built: Built): Promise<{ status: number; text: string; body: unknown }> {
  const response = await fetch(`${world.server.url}${built.url}`, {
    method: built.method,
    headers: built.headers,
    body: built.body,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, text, body };
}

/** Runs per route: bodies have more to explore than bare GETs. */
const runsFor = (op: Operation) => (op.body ? 30 : 20);

describe('REST fuzz', () => {
  it('covers every API route the server has', () => {
    const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
    const served = servedApiRoutes(world.server.app.printRoutes({ commonPrefix: false }));
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  for (const op of operations) {
    it(`${op.method} ${op.path}`, async () => {
      await world.heal();
      const requests = world.callers().chain((caller) => requestArbitrary(op, caller));
      await fuzz(
        requests,
        async (built) => {
          const before = await world.snapshot();
          const { status, text, body } = await send(built);
          const after = await world.snapshot();
          const observed: Observed = {
            caller: built.caller,
            requestText: describeRequest(built),
            rejected: status >= 400,
            responseText: text,
            before,
            after,
          };
          report(
            [...restProblems(status, body), ...stateProblems(world, observed)],
            observed,
            String(status),
            text,
          );
        },
        runsFor(op),
      );
    });
  }
});

/**
 * The served routes under /api/v1 and /v1 in OpenAPI form, read from Fastify's route tree (one line per node,
 * indented four columns per level), so a route left out of the OpenAPI document is noticed.
 */
function servedApiRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const segment = match[2] ?? '';
    const parent = depth > 0 ? (stack[depth - 1] ?? '') : '';
    const path =
      parent === '' || parent.endsWith('/') || segment.startsWith('/')
        ? `${parent}${segment}`
        : `${parent}/${segment}`;
    stack[depth] = path;
    stack.length = depth + 1;
    if (!/^\/(api\/)?v1\//.test(path) || path === '/api/v1/openapi.json') continue;
    const openapiPath = path.replace(/:(\w+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ')) {
      if (method !== 'HEAD') routes.push(`${method} ${openapiPath}`);
    }
  }
  return routes;
}
