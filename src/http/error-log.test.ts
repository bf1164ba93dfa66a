import { describe, expect, it } from 'vitest';
import { serializeError } from './error-log.js';

/** Shaped like drizzle's DrizzleQueryError around a postgres.js / PGlite error. */
function queryError() {
  const cause = Object.assign(new Error('invalid input syntax for type uuid: "SECRET TEXT"'), {
    code: '22P02',
    severity: 'ERROR',
    routine: 'string_to_uuid',
    where: "unnamed portal parameter $1 = 'SECRET TEXT'",
    detail: 'SECRET TEXT',
  });
  const params = ['SECRET TEXT', '[0.123,0.456]'];
  const error = new Error(
    `Failed query: select * from documents where id = $1 and v = $2\nparams: ${params.join(',')}`,
  );
  return Object.assign(error, {
    name: 'DrizzleQueryError',
    query: 'select * from documents where id = $1',
    params,
    cause,
  });
}

describe('serializeError', () => {
  it('keeps what locates the fault and drops parameters and values', () => {
    const serialized = serializeError(queryError());
    const text = JSON.stringify(serialized);
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('0.123');
    expect(serialized).not.toHaveProperty('params');
    expect(serialized.message).toBe('Failed query: select * from documents where id = $1 and v = $2');
    expect(serialized.stack).toMatch(/^Error: Failed query: select[^\n]*\n {4}at /);
    expect(serialized.cause).toMatchObject({
      message: 'invalid input syntax for type uuid',
      code: '22P02',
      routine: 'string_to_uuid',
    });
  });

  it('leaves ordinary errors as they are and survives odd values', () => {
    expect(serializeError(new TypeError('x is not a function'))).toMatchObject({
      type: 'TypeError',
      message: 'x is not a function',
    });
    expect(serializeError('a string')).toMatchObject({ message: 'a string' });
    const loop: Error & { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(JSON.stringify(serializeError(loop))).toContain('loop');
  });
});
