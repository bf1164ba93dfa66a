import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { isOperationName, type OperationEnv, runOperation } from './operations.js';

/** An environment whose every use fails the test: refused input must be refused before anything runs. */
const untouchable = new Proxy({} as OperationEnv, {
  get() {
    throw new Error('the operation ran');
  },
});

describe('command-line operations', () => {
  it('refuse text PostgreSQL cannot store, naming the field, before running anything', async () => {
    const attempt = runOperation(untouchable, 'document.store', {
      user: 'bob',
      collection_id: 'x',
      title: 'ok',
      content: 'a\u0000b',
      document_type: 'markdown',
      metadata: { 'k\ud800': 1 },
    });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ status: 422, code: 'VALIDATION_ERROR' });
    await expect(attempt).rejects.toThrow(/content: .*; metadata/);
  });

  it('know only their own names (nothing inherited from Object.prototype)', () => {
    expect(isOperationName('migrate')).toBe(true);
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'document.delete']) {
      expect(isOperationName(name)).toBe(false);
    }
  });
});
