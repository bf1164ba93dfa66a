/**
 * The JSON Schema zod emits, made lean for tools/list: every byte of it sits in an agent's context for the
 * whole session, and some of what zod writes makes strict tooling (the MCP Inspector among it) warn. Each rule
 * leaves what the schema accepts unchanged (an open object stays open), except `open`, which only output
 * schemas use:
 *
 * - `$schema` goes: MCP fixes the dialect (2020-12) already.
 * - `minimum`/`maximum` (and exclusive variants) of ±Number.MAX_SAFE_INTEGER go: zod's `.int()` writes them
 *   as the range of a safe integer, which says nothing to a client and looks like a mistake to a validator.
 * - `additionalProperties: {}` and `propertyNames: {type: 'string'}` go: zod's record of unknowns writes
 *   both, and both hold for every JSON object anyway.
 * - A description inside an `anyOf`/`oneOf` branch or under `items` goes when the schema holding it has its
 *   own: that one was written for the argument, the inner one for the type it is built on.
 * - `open: true` drops `additionalProperties: false`. The server never sends undeclared fields (it parses its
 *   own output), so for an output schema the closed form only costs tokens.
 */

export type JsonSchema = Record<string, unknown>;

const SAFE_INTEGER_BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];
const BRANCHES = ['anyOf', 'oneOf'];
/** Keywords whose value is data (kept as it is), and those whose value maps names to schemas. */
const DATA = ['const', 'default', 'enum', 'examples'];
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function vacuous(key: string, value: unknown): boolean {
  if (key === '$schema') return true;
  if (SAFE_INTEGER_BOUNDS.includes(key)) return Math.abs(value as number) === Number.MAX_SAFE_INTEGER;
  if (key === 'additionalProperties') return isObject(value) && Object.keys(value).length === 0;
  if (key === 'propertyNames') {
    return isObject(value) && Object.keys(value).length === 1 && value.type === 'string';
  }
  return false;
}

function withoutDescription(schema: unknown): unknown {
  if (!isObject(schema) || !('description' in schema)) return schema;
  const { description: _description, ...rest } = schema;
  return rest;
}

export function compactJsonSchema(schema: JsonSchema, options: { open?: boolean } = {}): JsonSchema {
  const compact = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(compact);
    if (!isObject(value)) return value;
    const described = typeof value.description === 'string';
    const result: JsonSchema = {};
    for (const [key, child] of Object.entries(value)) {
      if (vacuous(key, child)) continue;
      if (options.open && key === 'additionalProperties' && child === false) continue;
      if (DATA.includes(key)) {
        result[key] = child;
      } else if (SCHEMA_MAPS.includes(key) && isObject(child)) {
        // The names are data, not keywords: compact each schema under them, never judge the names.
        result[key] = Object.fromEntries(Object.entries(child).map(([name, sub]) => [name, compact(sub)]));
      } else if (described && BRANCHES.includes(key) && Array.isArray(child)) {
        result[key] = child.map((branch) => compact(withoutDescription(branch)));
      } else if (described && key === 'items') {
        result[key] = compact(withoutDescription(child));
      } else {
        result[key] = compact(child);
      }
    }
    return result;
  };
  return compact(schema) as JsonSchema;
}
