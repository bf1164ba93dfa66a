import { describe, expect, it } from 'vitest';
import { chunkDocument } from './chunker.js';
import type { DocumentType } from './document-types.js';
import { countTokens } from './tokenizer.js';

const DEFAULTS = { maxTokens: 400, overlapTokens: 50 };
const chunk = (content: string, documentType: DocumentType = 'markdown', options = DEFAULTS) =>
  chunkDocument({ title: 'Doc', content, documentType }, options);

describe('markdown chunking (golden)', () => {
  const body = (words: string) => `${words} and then some more words about it.`;
  const guide = [
    '# Guide',
    '',
    body('Intro text'),
    '',
    '## Install',
    '',
    body('Run the installer'),
    '',
    '### Linux',
    '',
    body('Use apt'),
    '',
    '### macOS',
    '',
    body('Use brew'),
    '',
    '## Usage',
    '',
    body('Call it'),
  ].join('\n');
  const at = (maxTokens: number) =>
    chunk(guide, 'markdown', { maxTokens, overlapTokens: 4 }).map((c) => [c.text, c.headingPath]);

  it('cuts at headings and carries the nested heading path when no two sections fit together', () => {
    expect(at(20)).toEqual([
      [`# Guide\n\n${body('Intro text')}`, ['Doc', 'Guide']],
      [`## Install\n\n${body('Run the installer')}`, ['Doc', 'Guide', 'Install']],
      [`### Linux\n\n${body('Use apt')}`, ['Doc', 'Guide', 'Install', 'Linux']],
      [`### macOS\n\n${body('Use brew')}`, ['Doc', 'Guide', 'Install', 'macOS']],
      [`## Usage\n\n${body('Call it')}`, ['Doc', 'Guide', 'Usage']],
    ]);
  });

  it('merges small sections under one parent up to the limit, under the parent path', () => {
    // The parent's own text joins its first child; the second child does not fit, and it never joins the
    // next `##` section, which has another parent.
    expect(at(30)).toEqual([
      [`# Guide\n\n${body('Intro text')}`, ['Doc', 'Guide']],
      [
        `## Install\n\n${body('Run the installer')}\n\n### Linux\n\n${body('Use apt')}`,
        ['Doc', 'Guide', 'Install'],
      ],
      [`### macOS\n\n${body('Use brew')}`, ['Doc', 'Guide', 'Install', 'macOS']],
      [`## Usage\n\n${body('Call it')}`, ['Doc', 'Guide', 'Usage']],
    ]);
    // A child whose whole subtree fits is one unit, which joins what comes before it while it fits.
    expect(at(60)).toEqual([
      [guide.slice(0, guide.indexOf('\n\n## Usage')), ['Doc', 'Guide']],
      [`## Usage\n\n${body('Call it')}`, ['Doc', 'Guide', 'Usage']],
    ]);
    // At the defaults the whole document is one chunk, headings and all.
    expect(chunk(guide).map((c) => [c.text, c.headingPath])).toEqual([[guide, ['Doc', 'Guide']]]);
  });

  it('joins a heading without body to the next section', () => {
    const chunks = chunk('# Guide\n\n## Install\n\nRun it.');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.text).toBe('# Guide\n\n## Install\n\nRun it.');
    expect(chunks[0]?.headingPath).toEqual(['Doc', 'Guide', 'Install']);
  });

  it('treats # lines inside a code fence as code, not headings', () => {
    const md = '## Setup\n\n```bash\n# install deps\nnpm ci\n## not a heading either\n```\n\nDone.';
    const chunks = chunk(md);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.headingPath).toEqual(['Doc', 'Setup']);
    expect(chunks[0]?.text).toBe(md);
  });

  it('keeps an unclosed fence to the end as code', () => {
    const chunks = chunk('## A\n\n```\n# still code\ntext');
    expect(chunks.map((c) => c.headingPath)).toEqual([['Doc', 'A']]);
  });

  it('keeps a table whole and preserves blank lines between blocks', () => {
    const md = '## Data\n\nBefore.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nAfter.';
    expect(chunk(md).map((c) => c.text)).toEqual([md]);
  });

  it('splits an oversized code fence by lines and re-opens the fence in every piece', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `const value${i} = compute(${i}); // step ${i}`);
    const md = `## Code\n\n\`\`\`ts\n${lines.join('\n')}\n\`\`\``;
    const chunks = chunk(md, 'markdown', { maxTokens: 120, overlapTokens: 20 });
    const pieces = chunks.filter((c) => c.text.includes('const value'));
    expect(pieces.length).toBeGreaterThan(3);
    // The heading stays with the first piece rather than be a chunk of its own.
    expect(chunks[0]?.text.startsWith('## Code\n\n```ts\nconst value0 ')).toBe(true);
    for (const piece of pieces.slice(1)) expect(piece.text.startsWith('```ts\n')).toBe(true);
    for (const piece of pieces) {
      expect(piece.text.endsWith('\n```')).toBe(true);
      expect(piece.tokenCount).toBeLessThanOrEqual(120);
    }
    // Every line survives, and consecutive pieces overlap.
    const all = pieces.map((p) => p.text).join('\n');
    for (const line of lines) expect(all).toContain(line);
    const firstLast = pieces[0]?.text.split('\n').at(-2);
    expect(pieces[1]?.text).toContain(firstLast ?? 'missing');
  });

  it('splits a single very long line by tokens', () => {
    const long = 'word '.repeat(3000).trim();
    const chunks = chunk(`## Long\n\n${long}`, 'markdown', { maxTokens: 100, overlapTokens: 10 });
    expect(chunks.length).toBeGreaterThan(25);
    for (const c of chunks) expect(c.tokenCount).toBeLessThanOrEqual(100);
  });

  it('numbers chunks sequentially and reports exact token counts', () => {
    const md = Array.from(
      { length: 30 },
      (_, i) => `## Part ${i}\n\n${'Some sentence here. '.repeat(10)}`,
    ).join('\n\n');
    const chunks = chunk(md);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    for (const c of chunks) expect(c.tokenCount).toBe(countTokens(c.text));
  });

  it('returns a tiny document as one chunk and nothing for blank content', () => {
    expect(chunk('Hello.')).toEqual([{ index: 0, text: 'Hello.', headingPath: ['Doc'], tokenCount: 1 + 1 }]);
    expect(chunk('   \n\n  ')).toEqual([]);
  });

  it('normalises CRLF line endings', () => {
    expect(chunk('# A\r\n\r\nText\r\n').map((c) => c.text)).toEqual(['# A\n\nText']);
  });
});

describe('code and plain text chunking', () => {
  it('does not treat python comments as headings', () => {
    const py = '# configuration\nimport os\n\n# main entry\ndef main():\n    return os.getcwd()';
    const chunks = chunk(py, 'python');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.headingPath).toEqual(['Doc']);
    expect(chunks[0]?.text).toBe(py);
  });

  it('does not treat yaml comments as headings and splits on blank lines when large', () => {
    const block = (i: number) => `# service ${i}\nservice${i}:\n  image: app:${i}\n  replicas: ${i}`;
    const yaml = Array.from({ length: 40 }, (_, i) => block(i)).join('\n\n');
    const chunks = chunk(yaml, 'yaml', { maxTokens: 80, overlapTokens: 10 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.headingPath).toEqual(['Doc']);
      expect(c.tokenCount).toBeLessThanOrEqual(80);
    }
    // Blocks are not cut: every chunk starts at a block boundary.
    for (const c of chunks) expect(c.text.startsWith('# service')).toBe(true);
  });
});

describe('the token limit is an invariant', () => {
  const cases: [string, string, DocumentType][] = [
    ['one 100 KB line', 'x'.repeat(100_000), 'text'],
    ['a 5,000-line code fence', `\`\`\`\n${'let a = 1;\n'.repeat(5000)}\`\`\``, 'markdown'],
    ['2,000 tiny headings', Array.from({ length: 2000 }, (_, i) => `# H${i}\nt`).join('\n'), 'markdown'],
    ['emoji and CJK', '😀🎉 漢字かなカナ 한국어 '.repeat(2000), 'text'],
    ['CRLF paragraphs', 'line one\r\nline two\r\n\r\n'.repeat(3000), 'text'],
  ];
  for (const [name, content, type] of cases) {
    it(`never exceeds maxTokens: ${name}`, () => {
      for (const options of [DEFAULTS, { maxTokens: 40, overlapTokens: 8 }]) {
        const chunks = chunk(content, type, options);
        expect(chunks.length).toBeGreaterThan(0);
        for (const c of chunks) {
          expect(countTokens(c.text)).toBeLessThanOrEqual(options.maxTokens);
          expect(c.text.trim().length).toBeGreaterThan(0);
        }
      }
    });
  }
});
