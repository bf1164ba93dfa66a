import { describe, expect, it } from 'vitest';
import { atxHeading, type Block, markdownBlocks, plainBlocks } from './blocks.js';

const kinds = (md: string) =>
  markdownBlocks(md.split('\n')).map((b: Block) => [b.kind, b.start, b.end, b.heading?.text ?? null]);

describe('ATX headings', () => {
  it('need 1-6 #, a space and text, at most 3 spaces in', () => {
    expect(atxHeading('# A')).toEqual({ level: 1, text: 'A' });
    expect(atxHeading('###### F')).toEqual({ level: 6, text: 'F' });
    expect(atxHeading('   ## Indented ##  ')).toEqual({ level: 2, text: 'Indented' });
    expect(atxHeading('##\tTabbed')).toEqual({ level: 2, text: 'Tabbed' });
    expect(atxHeading('## C# and F#')).toEqual({ level: 2, text: 'C# and F#' });
    for (const line of ['####### seven', '#hashtag', '#', '## ', '    # indented code', '> # quoted']) {
      expect(atxHeading(line)).toBeUndefined();
    }
  });
});

describe('fences', () => {
  it('hide headings until the matching closing fence', () => {
    expect(kinds('```\n# a\n```\n# B')).toEqual([
      ['fence', 0, 3, null],
      ['heading', 3, 4, 'B'],
    ]);
  });

  it('close only on the same character, at least as long, with nothing after it', () => {
    expect(kinds('````md\n```\n# a\n~~~\n```` \n# B')).toEqual([
      ['fence', 0, 5, null],
      ['heading', 5, 6, 'B'],
    ]);
    expect(kinds('~~~\n```\n# a\n~~~\n# B')).toEqual([
      ['fence', 0, 4, null],
      ['heading', 4, 5, 'B'],
    ]);
    expect(kinds('```\n# a\n``` js\n# still code')).toEqual([['fence', 0, 4, null]]);
  });

  it('run to the end when unclosed, and know how to close a piece', () => {
    const [fence] = markdownBlocks(['  ```python', '# a', 'print(1)']);
    expect(fence).toEqual({ kind: 'fence', start: 0, end: 3, fence: { closed: false, closer: '  ```' } });
    const [closed] = markdownBlocks(['~~~~', 'x', '~~~~~']);
    expect(closed?.fence).toEqual({ closed: true, closer: '~~~~~' });
  });

  it('are not opened by inline code or indented code', () => {
    expect(kinds('``` `inline` ```\n# A')).toEqual([
      ['text', 0, 1, null],
      ['heading', 1, 2, 'A'],
    ]);
    expect(kinds('    ```\n# A')).toEqual([
      ['text', 0, 1, null],
      ['heading', 1, 2, 'A'],
    ]);
  });
});

describe('setext headings', () => {
  it('underline a single line of text with = (level 1) or - (level 2)', () => {
    const blocks = markdownBlocks('Title\n===\n\nSub\n---'.split('\n'));
    expect(blocks.map((b) => [b.kind, b.start, b.end, b.heading])).toEqual([
      ['heading', 0, 2, { level: 1, text: 'Title' }],
      ['heading', 3, 5, { level: 2, text: 'Sub' }],
    ]);
  });

  it('do not underline list items, quotes, rules or several lines', () => {
    expect(kinds('- item\n---')).toEqual([['text', 0, 2, null]]);
    expect(kinds('> quote\n===')).toEqual([['text', 0, 2, null]]);
    expect(kinds('***\n---')).toEqual([['text', 0, 2, null]]);
    expect(kinds('one\ntwo\n---')).toEqual([['text', 0, 3, null]]);
  });
});

describe('tables', () => {
  it('are runs of lines starting with |, with a header when a delimiter row follows the first', () => {
    const blocks = markdownBlocks('Intro\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\nAfter'.split('\n'));
    expect(blocks.map((b) => [b.kind, b.start, b.end, b.headerLines])).toEqual([
      ['text', 0, 1, undefined],
      ['table', 2, 5, 2],
      ['text', 6, 7, undefined],
    ]);
  });

  it('include GFM tables without outer pipes', () => {
    const blocks = markdownBlocks('a | b\n--|--\n1 | 2\n3 | 4\n# H'.split('\n'));
    expect(blocks.map((b) => [b.kind, b.start, b.end, b.headerLines])).toEqual([
      ['table', 0, 4, 2],
      ['heading', 4, 5, undefined],
    ]);
  });
});

describe('front matter', () => {
  it('is one block, so its --- is not a setext underline', () => {
    expect(kinds('---\ntitle: x\n---\n# A')).toEqual([
      ['frontmatter', 0, 3, null],
      ['heading', 3, 4, 'A'],
    ]);
  });

  it('needs YAML keys; a leading rule is not front matter', () => {
    expect(kinds('---\n# A\n---')).toEqual([
      ['text', 0, 1, null],
      ['heading', 1, 2, 'A'],
      ['text', 2, 3, null],
    ]);
  });
});

describe('plain blocks', () => {
  it('are separated by blank lines only', () => {
    const blocks = plainBlocks('# comment\ncode\n\n  \n```\n# more\n'.split('\n'));
    expect(blocks.map((b) => [b.kind, b.start, b.end])).toEqual([
      ['text', 0, 2],
      ['text', 4, 6],
    ]);
  });
});
