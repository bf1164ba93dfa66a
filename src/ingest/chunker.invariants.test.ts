import { describe, expect, it } from 'vitest';
import { type Chunk, chunkDocument } from './chunker.js';
import type { DocumentType } from './document-types.js';
import { countTokens } from './tokenizer.js';

/** Properties every chunking must have, checked on hostile and random input. */

const DEFAULTS = { maxTokens: 400, overlapTokens: 50 };
const LIMITS = [DEFAULTS, { maxTokens: 40, overlapTokens: 8 }, { maxTokens: 16, overlapTokens: 4 }];

function checkInvariants(content: string, documentType: DocumentType, chunks: Chunk[], maxTokens: number) {
  expect(chunks.length).toBeGreaterThan(0);
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.tokenCount).toBe(countTokens(chunk.text));
    expect(chunk.tokenCount).toBeLessThanOrEqual(maxTokens);
    expect(chunk.text.trim()).not.toBe('');
    expect(chunk.headingPath[0]).toBe('Doc');
  });
  // Nothing is lost: every line short enough never to be cut shows up whole in some chunk.
  const texts = chunks.map((c) => c.text);
  const chunkLines = new Set(texts.flatMap((text) => text.split('\n').map((line) => line.trim())));
  for (const line of content.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '' || countTokens(line) > maxTokens / 3) continue;
    expect(chunkLines.has(line.trim())).toBe(true);
  }
  // Every markdown chunk is valid on its own: a fence opened in it is closed in it. (Only the last chunk may
  // end inside a fence, when the document does.)
  if (documentType === 'markdown') {
    for (const text of texts.slice(0, -1)) expect(openFenceAtEnd(text)).toBeUndefined();
  }
}

function openFenceAtEnd(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    const marker = match?.[1];
    if (!marker) continue;
    const info = match[2] ?? '';
    if (open === undefined) {
      if (!(marker.startsWith('`') && info.includes('`'))) open = marker;
    } else if (marker[0] === open[0] && marker.length >= open.length && info.trim() === '') {
      open = undefined;
    }
  }
  return open;
}

const repeatLines = (count: number, line: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => line(i)).join('\n');
const pick = (count: number, word: () => string) => Array.from({ length: count }, word).join(' ');

const hostile: [string, () => string, DocumentType][] = [
  ['one 100 KB line of words', () => 'lorem ipsum dolor sit amet '.repeat(3800), 'text'],
  ['one 100 KB "word" without spaces', () => 'a'.repeat(100_000), 'markdown'],
  ['100 KB of spaces inside a line', () => `x${' '.repeat(100_000)}y`, 'text'],
  [
    'a 5,000-line code fence with # lines',
    () =>
      `# Code\n\n\`\`\`python\n${repeatLines(5000, (i) => (i % 3 ? `x${i} = f()` : `# step ${i}`))}\n\`\`\``,
    'markdown',
  ],
  ['an unclosed fence to the end', () => `\`\`\`\n${'# not a heading\nvalue\n'.repeat(2000)}`, 'markdown'],
  [
    'a fence holding one 20 KB line',
    () => `## Blob\n\n\`\`\`json\n{"data": "${'ab12 '.repeat(4000)}"}\n\`\`\``,
    'markdown',
  ],
  [
    '2,000 tiny headings at every level',
    () => Array.from({ length: 2000 }, (_, i) => `${'#'.repeat((i % 6) + 1)} H${i}\n\nt${i}`).join('\n\n'),
    'markdown',
  ],
  [
    'a 3,000-row table',
    () => `| a | b |\n| --- | --- |\n${repeatLines(3000, (i) => `| ${i} | ${'v'.repeat(i % 40)} |`)}`,
    'markdown',
  ],
  ['emoji, flags and family sequences', () => '🎉👩‍👩‍👧‍👦 party 🇯🇵 '.repeat(3000), 'markdown'],
  ['CJK with punctuation', () => '数据库系统是一种用于存储和管理数据的软件。'.repeat(3000), 'text'],
  ['CJK without any break', () => '数据库系统'.repeat(20_000), 'markdown'],
  ['CRLF everywhere', () => '# H\r\n\r\nline one\r\nline two\r\n\r\n'.repeat(1500), 'markdown'],
  ['special-token text', () => '<|endoftext|> <|im_start|>user\n'.repeat(2000), 'text'],
];

describe('invariants on hostile input', () => {
  for (const [name, make, documentType] of hostile) {
    it(name, () => {
      const content = make();
      for (const limits of LIMITS) {
        const chunks = chunkDocument({ title: 'Doc', content, documentType }, limits);
        checkInvariants(content, documentType, chunks, limits.maxTokens);
      }
    });
  }
});

/** Small deterministic PRNG (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '# Title',
  '## Section two',
  '### Deeper',
  '```ts',
  '```',
  '~~~',
  '| a | b |',
  '| --- | --- |',
  '| 1 | 2 |',
  '',
  '',
  '   ',
  'Plain words in a sentence.',
  'A longer line of prose that goes on for a while, with commas, numbers like 12345 and punctuation!',
  '    indented code line',
  '- list item',
  '> quoted # not heading',
  '---',
  '===',
  'Setext?',
  '数据库。',
  '🎉 emoji',
  'x'.repeat(300),
  `${'word '.repeat(200)}end`,
  '\t\ttabbed',
  '#hashtag',
];

describe('invariants on random markdown-like documents', () => {
  for (const documentType of ['markdown', 'text'] as const) {
    it(`holds for 100 random ${documentType} documents`, () => {
      const next = random(documentType.length);
      for (let doc = 0; doc < 100; doc++) {
        const lines = Array.from(
          { length: 1 + Math.floor(next() * 80) },
          () => PIECES[Math.floor(next() * PIECES.length)] ?? '',
        );
        const content = lines.join(next() < 0.2 ? '\r\n' : '\n');
        if (content.trim() === '') continue;
        for (const limits of LIMITS) {
          const chunks = chunkDocument({ title: 'Doc', content, documentType }, limits);
          checkInvariants(content, documentType, chunks, limits.maxTokens);
        }
      }
    });
  }
});

describe('large inputs', () => {
  it('chunks a 5 MB markdown document in linear time', () => {
    const next = random(7);
    const words = [
      'chunk',
      'token',
      'vector',
      'search',
      'memory',
      'agent',
      'store',
      'query',
      'index',
      'embed',
    ];
    const sentence = () =>
      `${pick(8 + Math.floor(next() * 12), () => words[Math.floor(next() * words.length)] ?? '')} ${next()}.`;
    const parts: string[] = [];
    let size = 0;
    for (let section = 0; size < 5 * 1024 * 1024; section++) {
      const body = [
        `${'#'.repeat(1 + (section % 3))} Section ${section}`,
        Array.from({ length: 3 + Math.floor(next() * 8) }, sentence).join(' '),
        `\`\`\`js\n${repeatLines(2 + Math.floor(next() * 30), (i) => `const v${i} = ${sentence()}`)}\n\`\`\``,
        `| k | v |\n| --- | --- |\n| ${sentence()} | ${section} |`,
        Array.from({ length: 1 + Math.floor(next() * 20) }, sentence).join('\n'),
      ].join('\n\n');
      parts.push(body);
      size += body.length + 2;
    }
    const content = parts.join('\n\n');
    const chunks = chunkDocument({ title: 'Doc', content, documentType: 'markdown' }, DEFAULTS);
    expect(chunks.length).toBeGreaterThan(1000);
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(400);
  });
});
