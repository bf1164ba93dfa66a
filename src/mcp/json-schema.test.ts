import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compactJsonSchema } from './json-schema.js';

const emitted = (schema: z.ZodType) => schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });

describe('compactJsonSchema', () => {
  it("drops what zod writes that holds anyway: $schema, a safe integer's range, an open record's pair", () => {
    const schema = z.strictObject({
      count: z.number().int().min(1),
      tags: z.record(z.string(), z.unknown()),
    });
    expect(compactJsonSchema(emitted(schema))).toEqual({
      type: 'object',
      properties: { count: { type: 'integer', minimum: 1 }, tags: { type: 'object' } },
      required: ['count', 'tags'],
      additionalProperties: false,
    });
  });

  it('keeps real bounds, closed objects (unless open) and every property name', () => {
    const schema = {
      type: 'object',
      properties: { $schema: { type: 'integer', maximum: 10, exclusiveMinimum: -Number.MAX_SAFE_INTEGER } },
      additionalProperties: false,
    };
    expect(compactJsonSchema(schema)).toEqual({
      type: 'object',
      properties: { $schema: { type: 'integer', maximum: 10 } },
      additionalProperties: false,
    });
    expect(compactJsonSchema(schema, { open: true })).toEqual({
      type: 'object',
      properties: { $schema: { type: 'integer', maximum: 10 } },
    });
  });

  it('leaves data alone: defaults, constants and enum values', () => {
    const schema = {
      default: { $schema: 'x', additionalProperties: {} },
      const: { maximum: Number.MAX_SAFE_INTEGER },
    };
    expect(compactJsonSchema(schema)).toEqual(schema);
  });

  it("lets an argument's description replace those of the types it is built on", () => {
    const id = z.string().describe('An id');
    const schema = z.object({
      one: id.nullish().describe('The one to use'),
      many: z.array(id).describe('The ones to use'),
      plain: id,
    });
    expect(compactJsonSchema(emitted(schema))).toMatchObject({
      properties: {
        one: { description: 'The one to use', anyOf: [{ type: 'string' }, { type: 'null' }] },
        many: { description: 'The ones to use', items: { type: 'string' } },
        plain: { type: 'string', description: 'An id' },
      },
    });
  });
});
