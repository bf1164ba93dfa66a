import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorableText, formatPath, unstorableReason } from './storable.js';

describe('unstorableReason', () => {
  it('refuses NUL and unpaired surrogates, and nothing else', () => {
    expect(unstorableReason('a\u0000b')).toMatch(/NUL/);
    expect(unstorableReason('a\ud800')).toMatch(/surrogate/);
    expect(unstorableReason('\ud800x')).toMatch(/surrogate/);
    expect(unstorableReason('\udc00')).toMatch(/surrogate/);
    expect(unstorableReason('\udc00\ud800')).toMatch(/surrogate/);
    expect(unstorableReason('😀 \u0001 \u007f \ufffe \ufeff')).toBeUndefined();
  });

  it('agrees with String.prototype.isWellFormed on any string without NUL', () => {
    const wellFormed = (value: string) =>
      !/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        fc.pre(!value.includes('\u0000'));
        expect(unstorableReason(value) === undefined).toBe(wellFormed(value));
      }),
    );
  });
});

describe('findUnstorableText', () => {
  it('names every bad string and key by its path, nested in objects and arrays', () => {
    const problems = findUnstorableText({
      title: 'ok',
      metadata: { tags: ['fine', 'bad\u0000'], 'key\ud800': 'value', deep: { deeper: [{ x: '\udc00' }] } },
    });
    expect(problems.map((p) => formatPath(p.path))).toEqual([
      'metadata.tags.1',
      'metadata.key\\ud800',
      'metadata.deep.deeper.0.x',
    ]);
  });

  it('walks deeply nested values without recursion', () => {
    let value: unknown = 'bottom\u0000';
    for (let i = 0; i < 100_000; i++) value = [value];
    expect(findUnstorableText(value)).toHaveLength(1);
  });

  it('stops after a bounded number of problems', () => {
    expect(findUnstorableText(Array.from({ length: 1000 }, () => '\u0000')).length).toBe(20);
  });

  it('finds nothing in plain values', () => {
    expect(findUnstorableText(undefined)).toEqual([]);
    expect(findUnstorableText({ a: 1, b: [true, null, 'x'] })).toEqual([]);
  });
});
