import fc from 'fast-check';

/**
 * Generated inputs for the fuzz suite, driven by JSON Schema (the OpenAPI document of the REST routes and the
 * inputSchema of every MCP tool), so a new route or tool is fuzzed without touching this file.
 *
 * Two families of values: schema-conforming but hostile (boundary lengths, unicode edge cases, SQL and LIKE
 * metacharacters, ids of other tenants, odd but valid dates) and schema-violating (wrong types, out of range,
 * too long, missing required, extra and prototype-polluting keys).
 */

/** Run sizes: a fixed seed by default so CI is repeatable; FUZZ_SEED / FUZZ_RUNS to explore longer locally. */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_260_728;
const RUNS_FACTOR = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 1;

export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS_FACTOR)), endOnFailure: true };
}

/**
 * FUZZ_SKIP_KNOWN=1 leaves out the inputs of failures already known and being fixed elsewhere (NUL and lone
 * surrogates in strings, impossible dates, oversized bodies), to see whether anything else fails. The default
 * exercises everything.
 */
export const SKIP_KNOWN = process.env.FUZZ_SKIP_KNOWN === '1';
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for
const KNOWN_CHARS = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const known = <T>(values: T[]): T[] => (SKIP_KNOWN ? [] : values);
const dropKnown = (value: string): string => (SKIP_KNOWN ? value.replace(KNOWN_CHARS, '') : value);

export const MISSING_UUID = '00000000-0000-4000-8000-000000000000';

/** Strings attackers and broken clients send, whatever the field. */
const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\t\n\r',
  'a',
  "'",
  "' OR '1'='1",
  "'; drop table users; --",
  '%',
  '_',
  '\\',
  '%_\\%',
  '\\x00',
  '$1',
  '{}',
  '[]',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '-0',
  '1e309',
  '9007199254740993',
  '0x10',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '/',
  '//',
  '?',
  '#',
  '&',
  '=',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
  '${jndi:ldap://x}',
  '{{7*7}}',
  'é',
  'e\u0301',
  '\u200b',
  '\u202e',
  '\ufeff',
  '\uffff',
  '\ufffd',
  '😀',
  '👨‍👩‍👧‍👦',
  'ß',
  'İ',
  'ǅ',
  'a'.repeat(101),
  'a'.repeat(501),
  'x '.repeat(2_500),
];

/** Odd dates: valid but extreme ones, and impossible ones (the latter are a known cause). */
const EXTREME_DATES = [
  '1970-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999+23:59',
  '2024-02-29T00:00:00Z',
  '2026-01-01',
  '2026-01-01T00:00',
  '2026-01-01T00:00:00-1200',
];
const IMPOSSIBLE_DATES = known([
  '0000-01-01T00:00:00Z',
  '2026-02-30',
  '2026-02-30T00:00:00Z',
  '2026-13-01',
  '2026-00-00T00:00:00Z',
  '2026-01-01T25:61:61Z',
  '2026-01-01T00:00:00+99:99',
  '99999-01-01T00:00:00Z',
]);

const KNOWN_STRINGS = known(['\u0000', 'a\u0000b', '\ud800', '\udfff', 'a\ud800b', '\udc00\ud800']);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  ...(KNOWN_STRINGS.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...KNOWN_STRINGS) }] : []),
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(dropKnown) },
  { weight: 1, arbitrary: fc.constantFrom(...EXTREME_DATES, ...IMPOSSIBLE_DATES) },
);

/** An object with `key` as an own property, even for `__proto__` (which a literal would turn into a prototype). */
function withOwnKey(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
  return object;
}

const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf'];

/** JSON nested past sane depths, as a value (stringifies to well under the test server's body limit). */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

const wide = (keys: number) => Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i]));

/** Any JSON value, with the structural edge cases mixed in. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .map((v) => (SKIP_KNOWN ? JSON.parse(dropKnown(JSON.stringify(v))) : v)),
  },
  { weight: 2, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0,
      1e308,
      Number.MAX_SAFE_INTEGER + 2,
      -(2 ** 63),
      2 ** 64,
      [],
      {},
      [null],
      { '': '' },
      nested(200, 'array'),
      nested(200, 'object'),
      wide(2_000),
      Array.from({ length: 2_000 }, (_, i) => i),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...POLLUTING_KEYS), fc.constantFrom<unknown>({ polluted: true }, 'x', null, 1))
      .map(([key, value]) => withOwnKey({}, key, value)),
  },
);

/** The subset of JSON Schema that zod and the OpenAPI generator emit for this API. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  nullable?: boolean;
}

/** What a generator may draw ids from: real ids of this and other tenants, by argument name. */
export interface IdSource {
  /** Interesting real values for an argument called `name` (e.g. collection ids for `collection_id`). */
  idsFor(name: string): string[];
}

/** Ids that are not ids: malformed, traversing, oversized, differently cased, nil. */
const HOSTILE_IDS = [
  MISSING_UUID,
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-uuid',
  '1',
  '-1',
  '0',
  '1 OR 1=1',
  "' OR ''='",
  '%',
  '_',
  '..',
  '../collections',
  '..%2F..%2Fadmin',
  '{00000000-0000-4000-8000-000000000000}',
  '00000000-0000-4000-8000-00000000000g',
  '00000000000040008000000000000000',
  'a'.repeat(100),
  'a'.repeat(101),
  '😀',
  ...known(['\u0000', `${MISSING_UUID}\u0000`, '\ud800']),
];

const isIdName = (name: string) => /(^|_)id$|_ids?$/.test(name);

function hostileId(source: IdSource, name: string): fc.Arbitrary<string> {
  const real = source.idsFor(name);
  const variants = real.flatMap((id) => [id.toUpperCase(), ` ${id}`, `${id}/`]);
  return fc.oneof(
    ...(real.length > 0 ? [{ weight: 6, arbitrary: fc.constantFrom(...real) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
    ...(variants.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...variants) }] : []),
    { weight: 1, arbitrary: fc.uuid() },
  );
}

const typesOf = (schema: JsonSchema): string[] =>
  schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];

function fitsLength(schema: JsonSchema, value: string): boolean {
  const length = [...value].length;
  return (
    length >= (schema.minLength ?? 0) && (schema.maxLength === undefined || value.length <= schema.maxLength)
  );
}

function conformingString(schema: JsonSchema, name: string, source: IdSource): fc.Arbitrary<string> {
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern, 'u');
    const dates = [...EXTREME_DATES, ...IMPOSSIBLE_DATES].filter((d) => pattern.test(d));
    return fc.oneof(
      { weight: 3, arbitrary: fc.stringMatching(pattern).filter((s) => fitsLength(schema, s)) },
      ...(dates.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...dates) }] : []),
    );
  }
  const min = schema.minLength ?? 0;
  const max = schema.maxLength;
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 3, arbitrary: hostileString.filter((s) => fitsLength(schema, s)) },
    {
      weight: 2,
      arbitrary: fc
        .string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max ?? 40, 40) })
        .filter((s) => fitsLength(schema, s)),
    },
    { weight: 1, arbitrary: fc.constant('x'.repeat(Math.max(min, Math.min(max ?? 2_000, 2_000)))) },
  ];
  if (isIdName(name)) options.push({ weight: 8, arbitrary: hostileId(source, name) });
  return fc.oneof(...options).filter((s) => fitsLength(schema, s));
}

function bounds(schema: JsonSchema): { min: number; max: number } {
  let min = schema.minimum ?? -(2 ** 31);
  let max = schema.maximum ?? 2 ** 31;
  if (schema.exclusiveMinimum === true) min += 1;
  else if (typeof schema.exclusiveMinimum === 'number') min = schema.exclusiveMinimum + 1;
  if (schema.exclusiveMaximum === true) max -= 1;
  else if (typeof schema.exclusiveMaximum === 'number') max = schema.exclusiveMaximum - 1;
  return { min: Math.max(min, Number.MIN_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) };
}

/** Values valid under `schema`, chosen to sit on its edges. */
export function conforming(schema: JsonSchema, name: string, source: IdSource): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => conforming(s, name, source)));
  const core = conformingCore(schema, name, source);
  return schema.nullable
    ? fc.oneof({ weight: 4, arbitrary: core }, { weight: 1, arbitrary: fc.constant(null) })
    : core;
}

function conformingCore(schema: JsonSchema, name: string, source: IdSource): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = typesOf(schema)[0];
  switch (type) {
    case 'string':
      return conformingString(schema, name, source);
    case 'integer':
    case 'number': {
      const { min, max } = bounds(schema);
      return fc.oneof(
        fc.constantFrom(min, max),
        fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      // Few items: every conforming string may cost an embedding.
      const maxLength = Math.min(schema.maxItems ?? 3, Math.max(minLength, 3));
      return fc.array(conforming(schema.items ?? {}, name, source), { minLength, maxLength });
    }
    case 'object':
      return conformingObject(schema, source);
    default:
      // No type: free-form (e.g. a metadata value).
      return hostileJson;
  }
}

function conformingObject(schema: JsonSchema, source: IdSource): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  if (Object.keys(properties).length === 0) {
    // A free-form object such as document metadata.
    return fc.oneof(
      fc.dictionary(hostileString, hostileJson, { maxKeys: 4 }),
      fc.constantFrom<Record<string, unknown>>(
        {},
        { a: nested(100, 'object') },
        wide(1_000),
        withOwnKey({}, '__proto__', { polluted: true }),
        { constructor: { prototype: { polluted: true } } },
        { "'": '%', 'a\\b': '_' },
      ),
    );
  }
  // Required keys always; each optional one only now and then, so that one hostile value at a time reaches
  // the handler instead of the first of many bad ones stopping every request at the same check.
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(properties).map(([key, sub]) => {
    const value = conforming(sub, key, source);
    const maybe = required.has(key)
      ? value
      : fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
    return maybe.map((v) => [key, v] as const);
  });
  return fc
    .tuple(...entries)
    .map((pairs) => Object.fromEntries(pairs.filter(([, v]) => v !== undefined)) as Record<string, unknown>);
}

/** Values that break `schema` one way or another (and some that merely might). */
export function violating(schema: JsonSchema, name: string, source: IdSource): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  const options: fc.Arbitrary<unknown>[] = [hostileJson];
  if (types.includes('string') || schema.pattern) {
    options.push(
      hostileString,
      fc.constant('y'.repeat((schema.maxLength ?? 10_000) + 1)),
      fc.constant(''),
      fc.integer(),
      conforming(schema, name, source).map((value) => [value]),
    );
  }
  if (types.includes('integer') || types.includes('number')) {
    const { min, max } = bounds(schema);
    options.push(
      fc.constantFrom(min - 1, max + 1, 0.5, -0.5, 1e308, -1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2),
      fc.constantFrom('1', '1.0', '1e3', 'NaN', 'Infinity', '-1', '', ' 1', '0x1', '١'),
    );
  }
  if (types.includes('array')) {
    options.push(
      fc.constant([]),
      fc.constant(Array.from({ length: (schema.maxItems ?? 1_000) + 1 }, () => 'markdown')),
      fc.array(hostileJson, { maxLength: 3 }),
    );
  }
  if (types.includes('object') || schema.properties) options.push(violatingObject(schema, source));
  if (schema.enum)
    options.push(hostileString, fc.constantFrom(...schema.enum.map((e) => String(e).toUpperCase())));
  return fc.oneof(...options);
}

function violatingObject(schema: JsonSchema, source: IdSource): fc.Arbitrary<unknown> {
  const required = schema.required ?? [];
  return conformingObject(schema, source).chain((valid) =>
    fc.oneof(
      // A required key missing.
      ...(required.length > 0 ? [fc.constantFrom(...required).map((key) => omit(valid, key))] : []),
      // An unknown key, or a prototype-polluting one.
      fc
        .tuple(fc.constantFrom('unexpected', ...POLLUTING_KEYS), hostileJson)
        .map(([key, value]) => withOwnKey({ ...valid }, key, value)),
      // Each property replaced by a violating value.
      ...Object.entries(schema.properties ?? {}).map(([key, sub]) =>
        violating(sub, key, source).map((value) => ({ ...valid, [key]: value })),
      ),
    ),
  );
}

function omit(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}

/**
 * A value for one argument: mostly valid-but-hostile, sometimes invalid. For objects, each property is drawn
 * this way, so one request is usually wrong in at most one place and reaches deep into the handler.
 */
export function argument(schema: JsonSchema, name: string, source: IdSource): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: conforming(schema, name, source) },
    { weight: 1, arbitrary: violating(schema, name, source) },
  );
}

/**
 * Percent-encodes any JavaScript string for a URL, including lone surrogates (as their WTF-8 bytes, which is
 * what a raw client would put on the wire; encodeURIComponent throws on them).
 */
export function encodeComponent(value: string): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** A header value fetch will send: printable Latin-1 only (CR, LF and NUL would be refused client-side). */
export function headerSafe(value: string): string {
  return [...value]
    .map((char) => {
      const code = char.codePointAt(0) ?? 0;
      return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) ? char : '?';
    })
    .join('');
}

/** A value as query-string text, the way clients put numbers, arrays and objects there. */
export function queryText(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(queryText);
  if (typeof value === 'string') return [value];
  if (value === undefined) return [];
  return [typeof value === 'object' ? JSON.stringify(value) : String(value)];
}
