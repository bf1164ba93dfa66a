import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { frontMatterOf } from '../../ingest/front-matter.js';
import { givenMetadata, mergeMetadata } from './document-metadata.js';

const fm = (yaml: string) => frontMatterOf(`---\n${yaml}\n---\nbody`, 'markdown');

describe('mergeMetadata', () => {
  it('overlays given keys on front matter keys (shallow)', () => {
    expect(
      mergeMetadata(fm('project: x\ntags: [a, b]\nnested: {a: 1}'), { project: 'y', nested: { b: 2 } }),
    ).toEqual({ project: 'y', tags: ['a', 'b'], nested: { b: 2 } });
    expect(mergeMetadata(undefined, { k: 1 })).toEqual({ k: 1 });
  });

  it('refuses a merge larger than the metadata limit', () => {
    const big = 'v'.repeat(40 * 1024);
    expect(() => mergeMetadata(fm(`a: ${big}`), { b: big })).toThrow(AppError);
  });
});

describe('givenMetadata', () => {
  it('takes away what the front matter set and still holds, keeping overrides and other keys', () => {
    const front = fm('project: x\ntags: [a, b]\nstatus: draft');
    const stored = mergeMetadata(front, { status: 'final', source: 'api' });
    expect(givenMetadata(stored, front)).toEqual({ status: 'final', source: 'api' });
  });

  it('compares values deeply, in any key order', () => {
    const front = fm('meta: {a: 1, b: [1, 2]}');
    expect(givenMetadata({ meta: { b: [1, 2], a: 1 } }, front)).toEqual({});
    expect(givenMetadata({ meta: { b: [2, 1], a: 1 } }, front)).toEqual({ meta: { b: [2, 1], a: 1 } });
  });

  it('is everything when there is no front matter', () => {
    expect(givenMetadata({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});
