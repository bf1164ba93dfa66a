import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findUnstorableText } from '../validation/storable.js';
import { FRONT_MATTER_MAX_BYTES, frontMatterOf, readFrontMatter } from './front-matter.js';

const data = (content: string) => readFrontMatter(content)?.data;

describe('readFrontMatter', () => {
  it('reads a mapping and measures the block up to its closing line', () => {
    const block = '---\ntitle: Notes\ntags: [a, b]\nproject: x\nnested:\n  depth: 2\n---\n';
    expect(readFrontMatter(`${block}# Body\n`)).toEqual({
      data: { title: 'Notes', tags: ['a', 'b'], project: 'x', nested: { depth: 2 } },
      length: block.length,
    });
  });

  it('takes ... as the closing line, CRLF line breaks, a byte order mark, and a block that ends the text', () => {
    expect(readFrontMatter('---\nproject: x\n...\nbody')).toEqual({ data: { project: 'x' }, length: 19 });
    expect(readFrontMatter('---\r\nproject: x\r\n---\r\nbody')).toEqual({
      data: { project: 'x' },
      length: 22,
    });
    expect(readFrontMatter('\uFEFF---\nproject: x\n---\nbody')?.length).toBe(20);
    expect(readFrontMatter('---\nproject: x\n---')).toEqual({ data: { project: 'x' }, length: 18 });
  });

  it('gives JSON values: YAML 1.2 core, so dates and yes/no stay as written', () => {
    const yaml = [
      'date: 2024-01-15',
      'when: 2024-01-15T10:30:00Z',
      'answer: yes',
      'done: true',
      'count: 12',
      'ratio: 0.5',
      'big: .inf',
      'odd: .nan',
      'none: ~',
      'hex: 0x1F',
      'tagged: !custom value',
      '1: numeric key',
    ].join('\n');
    expect(data(`---\n${yaml}\n---\n`)).toEqual({
      date: '2024-01-15',
      when: '2024-01-15T10:30:00Z',
      answer: 'yes',
      done: true,
      count: 12,
      ratio: 0.5,
      big: null,
      odd: null,
      none: null,
      hex: 31,
      tagged: 'value',
      '1': 'numeric key',
    });
  });

  it('is not front matter unless it is a YAML mapping: scalars, lists, invalid YAML stay content', () => {
    for (const yaml of [
      'just a sentence',
      '- a\n- b',
      'title: [unclosed',
      'a: 1\na: 2',
      '# only a comment',
      '',
      'a: 1\n--- b\nc: 2',
      'key: *undefined_alias',
    ]) {
      expect(readFrontMatter(`---\n${yaml}\n---\nbody`), yaml).toBeUndefined();
    }
  });

  it('must open on the very first line and close', () => {
    expect(readFrontMatter('\n---\na: 1\n---\n')).toBeUndefined();
    expect(readFrontMatter(' ---\na: 1\n---\n')).toBeUndefined();
    expect(readFrontMatter('----\na: 1\n---\n')).toBeUndefined();
    expect(readFrontMatter('---\na: 1\n')).toBeUndefined();
    expect(readFrontMatter('---\na: 1\n --- \n')).toBeUndefined();
    expect(readFrontMatter('# Title\n---\na: 1\n---\n')).toBeUndefined();
  });

  it('refuses text PostgreSQL cannot store, even when YAML escapes spell it', () => {
    expect(readFrontMatter('---\na: "nul \\0 here"\n---\n')).toBeUndefined();
    expect(readFrontMatter('---\na: "half \\uD800 pair"\n---\n')).toBeUndefined();
    expect(readFrontMatter('---\na: "pair \\uD83D\\uDE00 ok"\n---\n')?.data).toEqual({ a: 'pair 😀 ok' });
  });

  it('keeps __proto__ an ordinary key', () => {
    const read = data('---\n__proto__: {polluted: true}\nsafe: 1\n---\n');
    expect(Object.keys(read ?? {})).toEqual(['__proto__', 'safe']);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('applies to markdown only', () => {
    expect(frontMatterOf('---\na: 1\n---\n', 'markdown')?.data).toEqual({ a: 1 });
    expect(frontMatterOf('---\na: 1\n---\n', 'yaml')).toBeUndefined();
    expect(frontMatterOf('---\na: 1\n---\n', 'text')).toBeUndefined();
  });
});

describe('hostile front matter', () => {
  /** Levels of nine aliases each to the level below: 9^levels "lol"s once expanded. */
  const laughs = (levels: number) => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < levels; level++) {
      const below = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${below}`).join(',')}]`);
    }
    return `---\n${lines.join('\n')}\n---\nbody`;
  };

  it('refuses a billion-laughs alias bomb', () => {
    // Without yaml's alias limit this takes ~40 s and ~700 MB before the JSON step gives up.
    expect(readFrontMatter(laughs(9))).toBeUndefined();
  });

  it('refuses an alias bomb even when its expansion would fit the size limit', () => {
    // 9^4 "lol"s are about 40 KB of JSON: only the alias limit refuses this one.
    expect(JSON.stringify(Array(9 ** 4).fill('lol')).length).toBeLessThan(FRONT_MATTER_MAX_BYTES);
    expect(readFrontMatter(laughs(4))).toBeUndefined();
    expect(readFrontMatter(laughs(1))?.data).toEqual({ a: Array(9).fill('lol') });
  });

  it('allows a few plain aliases', () => {
    expect(data('---\nbase: &b {k: v}\ncopy: *b\n---\n')).toEqual({ base: { k: 'v' }, copy: { k: 'v' } });
  });

  it('refuses aliases that expand past the size limit even within the alias count', () => {
    const big = 'x'.repeat(10_000);
    const yaml = `a: &a "${big}"\nb: [${Array(10).fill('*a').join(', ')}]`;
    expect(readFrontMatter(`---\n${yaml}\n---\n`)).toBeUndefined();
  });

  it('does not look for a closing line past the size limit', () => {
    const many = Array.from({ length: 6000 }, (_, i) => `key${i}: ${'v'.repeat(8)}`).join('\n');
    expect(many.length).toBeGreaterThan(FRONT_MATTER_MAX_BYTES);
    expect(readFrontMatter(`---\n${many}\n---\nbody`)).toBeUndefined();
    expect(readFrontMatter(`---\nkey: ${'v'.repeat(5 * 1024 * 1024)}\n---\n`)).toBeUndefined();
    expect(readFrontMatter(`---\n${'word '.repeat(1_000_000)}`)).toBeUndefined();
  });

  it('survives nesting deeper than any stack', () => {
    const depth = 30_000;
    expect(readFrontMatter(`---\na: ${'['.repeat(depth)}${']'.repeat(depth)}\n---\n`)).toBeUndefined();
    expect(readFrontMatter(`---\na: ${'{b: '.repeat(12_000)}1${'}'.repeat(12_000)}\n---\n`)).toBeUndefined();
  });

  it('reads moderately nested front matter', () => {
    const nested = data(`---\na: ${'['.repeat(50)}1${']'.repeat(50)}\n---\n`);
    expect(JSON.stringify(nested)).toBe(`{"a":${'['.repeat(50)}1${']'.repeat(50)}}`);
  });
});

describe('properties', () => {
  const fenced = (yaml: string) => `---\n${yaml}${yaml.endsWith('\n') ? '' : '\n'}---\n`;

  it('never throws, whatever the text after an opening line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.boolean(), (text, open) => {
        const content = open ? `---\n${text}` : text;
        const read = readFrontMatter(content);
        if (read) expect(read.length).toBeLessThanOrEqual(content.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on YAML-ish noise', () => {
    const piece = fc.constantFrom(
      'a: 1',
      '- x',
      '&x [1, 2]',
      '*x',
      'b: *x',
      '? k',
      ': v',
      '---',
      '...',
      '  c: [',
      ']',
      '{',
      '"\\0"',
      '!!binary aGk=',
      '%YAML 1.1',
      '#',
      '',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (lines) => {
        readFrontMatter(`---\n${lines.join('\n')}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves content that does not start with front matter alone', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        fc.pre(!/^\uFEFF?---/.test(text));
        expect(readFrontMatter(text)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('takes exactly the block: the text after it is the body, unchanged', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), {
          minKeys: 1,
          maxKeys: 5,
        }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (mapping, body) => {
          fc.pre(findUnstorableText(mapping).length === 0);
          const block = fenced(stringify(mapping));
          const read = readFrontMatter(block + body);
          expect(read?.length).toBe(block.length);
          expect((block + body).slice(read?.length)).toBe(body);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips a generated mapping serialized as front matter into the same JSON', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 15 }), fc.jsonValue({ maxDepth: 3 }), {
          minKeys: 1,
          maxKeys: 8,
        }),
        (mapping) => {
          const json = JSON.parse(JSON.stringify(mapping)) as Record<string, unknown>;
          fc.pre(findUnstorableText(json).length === 0);
          expect(readFrontMatter(`${fenced(stringify(json))}body`)?.data).toEqual(json);
        },
      ),
      { numRuns: 500 },
    );
  });
});
