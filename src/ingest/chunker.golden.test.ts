import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markdownBlocks } from './blocks.js';
import { chunkDocument } from './chunker.js';
import type { DocumentType } from './document-types.js';
import { markdownSections } from './sections.js';

/**
 * Golden tests: exact chunk texts and heading paths, at the defaults (400/50) and at small limits that force
 * splitting. When one fails after a deliberate change, review the new output before updating it.
 */

const DEFAULTS = { maxTokens: 400, overlapTokens: 50 };
type Golden = [text: string, headingPath: string[]][];
const lines = (...text: string[]) => text.join('\n');
const chunk = (content: string, documentType: DocumentType, options = DEFAULTS, title = 'Doc'): Golden =>
  chunkDocument({ title, content, documentType }, options).map((c) => [c.text, c.headingPath]);
/** The sections before small ones are merged: what each heading path is, whatever the limit. */
const sections = (content: string): Golden => {
  const all = content.split('\n');
  const blocks = markdownBlocks(all);
  return markdownSections(blocks, 'Doc').map((section) => [
    all.slice(blocks[section.startBlock]?.start, blocks[section.endBlock - 1]?.end).join('\n'),
    section.headingPath,
  ]);
};

// The fixture is markdown named .txt, so that formatters leave it exactly as written.
describe('markdown fixture (fixtures/guide.md.txt)', () => {
  const guide = readFileSync(new URL('./fixtures/guide.md.txt', import.meta.url), 'utf8');
  const linuxFence = [
    '```bash',
    '# refresh the package index',
    'sudo apt-get update',
    '## not a heading: a comment in the fenced code',
    'sudo apt-get install widget',
    '```',
  ].join('\n');

  it('makes one chunk of the whole small document at the defaults, under the title', () => {
    // Every section shares the title, and all of them together are 135 tokens.
    expect(chunk(guide, 'markdown', DEFAULTS, 'Widget')).toEqual([[guide.trim(), ['Widget']]]);
  });

  it('merges small sections under one parent while they fit, never across parents', () => {
    expect(chunk(guide, 'markdown', { maxTokens: 60, overlapTokens: 6 }, 'Widget')).toEqual([
      // The whole "# Guide" subtree does not fit, so the text before it stays alone.
      ['Widget is a small tool for keeping notes.', ['Widget']],
      // Nor does "## Install" with its children, which stops "# Guide"'s own text from joining anything.
      ['# Guide\n\nRead this before you start.', ['Widget', 'Guide']],
      // "## Install"'s own text and its first child fit together, under their shared path.
      [
        `## Install\n\nDownload the archive and unpack it.\n\n\nThen run the installer.\n\n### Linux\n\n${linuxFence}`,
        ['Widget', 'Guide', 'Install'],
      ],
      // The second child fits nowhere else: "## Usage" has another parent.
      ['### macOS\n\nUse Homebrew: `brew install widget`.', ['Widget', 'Guide', 'Install', 'macOS']],
      // Siblings under "# Guide".
      [
        lines(
          '## Usage',
          '',
          '| Command | Effect |',
          '| --- | --- |',
          '| `widget add` | Adds a note |',
          '| `widget list` | Lists notes |',
          '',
          'Settings',
          '--------',
          '',
          'Edit `~/.widget.toml`.',
        ),
        ['Widget', 'Guide'],
      ],
      ['# FAQ\n\n## Is it free?\n\nYes.', ['Widget', 'FAQ', 'Is it free?']],
    ]);
  });

  it('keeps one section per chunk at a limit too small for any two to fit together', () => {
    expect(chunk(guide, 'markdown', { maxTokens: 40, overlapTokens: 6 }, 'Widget')).toEqual([
      ['Widget is a small tool for keeping notes.', ['Widget']],
      ['# Guide\n\nRead this before you start.', ['Widget', 'Guide']],
      [
        '## Install\n\nDownload the archive and unpack it.\n\n\nThen run the installer.',
        ['Widget', 'Guide', 'Install'],
      ],
      [`### Linux\n\n${linuxFence}`, ['Widget', 'Guide', 'Install', 'Linux']],
      ['### macOS\n\nUse Homebrew: `brew install widget`.', ['Widget', 'Guide', 'Install', 'macOS']],
      [
        lines(
          '## Usage',
          '',
          '| Command | Effect |',
          '| --- | --- |',
          '| `widget add` | Adds a note |',
          '| `widget list` | Lists notes |',
        ),
        ['Widget', 'Guide', 'Usage'],
      ],
      ['Settings\n--------\n\nEdit `~/.widget.toml`.', ['Widget', 'Guide', 'Settings']],
      ['# FAQ\n\n## Is it free?\n\nYes.', ['Widget', 'FAQ', 'Is it free?']],
    ]);
  });

  it('cuts only what does not fit a small limit, re-opening fences and tables, with overlap', () => {
    expect(chunk(guide, 'markdown', { maxTokens: 24, overlapTokens: 6 }, 'Widget')).toEqual([
      ['Widget is a small tool for keeping notes.', ['Widget']],
      ['# Guide\n\nRead this before you start.', ['Widget', 'Guide']],
      [
        '## Install\n\nDownload the archive and unpack it.\n\n\nThen run the installer.',
        ['Widget', 'Guide', 'Install'],
      ],
      [
        '### Linux\n\n```bash\n# refresh the package index\nsudo apt-get update\n```',
        ['Widget', 'Guide', 'Install', 'Linux'],
      ],
      [
        '```bash\nsudo apt-get update\n## not a heading: a comment in the fenced code\n```',
        ['Widget', 'Guide', 'Install', 'Linux'],
      ],
      ['```bash\nsudo apt-get install widget\n```', ['Widget', 'Guide', 'Install', 'Linux']],
      ['### macOS\n\nUse Homebrew: `brew install widget`.', ['Widget', 'Guide', 'Install', 'macOS']],
      [
        '## Usage\n\n| Command | Effect |\n| --- | --- |\n| `widget add` | Adds a note |',
        ['Widget', 'Guide', 'Usage'],
      ],
      // A cut table repeats its header (the previous row, 9 tokens, is more than the overlap allows).
      ['| Command | Effect |\n| --- | --- |\n| `widget list` | Lists notes |', ['Widget', 'Guide', 'Usage']],
      ['Settings\n--------\n\nEdit `~/.widget.toml`.', ['Widget', 'Guide', 'Settings']],
      ['# FAQ\n\n## Is it free?\n\nYes.', ['Widget', 'FAQ', 'Is it free?']],
    ]);
  });

  it('gives the same chunks for CRLF line endings', () => {
    expect(chunk(guide.replace(/\n/g, '\r\n'), 'markdown', DEFAULTS, 'Widget')).toEqual(
      chunk(guide, 'markdown', DEFAULTS, 'Widget'),
    );
  });
});

describe('heading paths', () => {
  // Each section's path, then the chunks: these sections are so small that all of them that share a parent
  // end up in one chunk at the defaults.
  it('replaces headings at the same level and below, also across skipped levels', () => {
    const md =
      '# A\n\na\n\n### C\n\nc\n\n## B\n\nb\n\n# D ##\n\nd\n\n#hashtag is text\n\n####### seven is text';
    expect(sections(md)).toEqual([
      ['# A\n\na', ['Doc', 'A']],
      ['### C\n\nc', ['Doc', 'A', 'C']],
      ['## B\n\nb', ['Doc', 'A', 'B']],
      ['# D ##\n\nd\n\n#hashtag is text\n\n####### seven is text', ['Doc', 'D']],
    ]);
    // Two top-level headings share only the title.
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc']]]);
    expect(chunk(md, 'markdown', { maxTokens: 16, overlapTokens: 4 })).toEqual([
      ['# A\n\na\n\n### C\n\nc\n\n## B\n\nb', ['Doc', 'A']],
      ['# D ##\n\nd\n\n#hashtag is text\n\n####### seven is text', ['Doc', 'D']],
    ]);
  });

  it('reads single-line setext headings, but not a list item above a rule', () => {
    const md = 'Title\n=====\n\nBody.\n\nSub\n---\n\nMore.\n\n- item\n---\n\nEnd.';
    expect(sections(md)).toEqual([
      ['Title\n=====\n\nBody.', ['Doc', 'Title']],
      ['Sub\n---\n\nMore.\n\n- item\n---\n\nEnd.', ['Doc', 'Title', 'Sub']],
    ]);
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc', 'Title']]]);
  });

  it('keeps a trailing heading with nothing under it, with its parent when it fits', () => {
    const md = '# Only\n\ntext\n\n## Trailing heading';
    expect(sections(md)).toEqual([
      ['# Only\n\ntext', ['Doc', 'Only']],
      ['## Trailing heading', ['Doc', 'Only', 'Trailing heading']],
    ]);
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc', 'Only']]]);
  });

  it('leaves YAML front matter out of the chunks: it is metadata', () => {
    expect(chunk('---\ntitle: Notes\ntags: [a]\n---\n\n# Real\n\nBody', 'markdown')).toEqual([
      ['# Real\n\nBody', ['Doc', 'Real']],
    ]);
    expect(chunk('---\r\nproject: x\r\n...\r\nJust text.', 'markdown')).toEqual([['Just text.', ['Doc']]]);
    expect(chunk('---\ntitle: Notes\n---\n', 'markdown')).toEqual([]);
  });

  it('keeps a block that only looks like front matter, whole and not as a setext heading', () => {
    const md = '---\ntitle: [unclosed\n---\n\n# Real\n\nBody';
    expect(sections(md)).toEqual([
      ['---\ntitle: [unclosed\n---', ['Doc']],
      ['# Real\n\nBody', ['Doc', 'Real']],
    ]);
    // Both fit in one chunk, so they merge under the path they share.
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc']]]);
  });

  it('has no front matter in other types: a YAML document keeps its --- lines', () => {
    expect(chunk('---\nkey: value\n---\nother: 1', 'yaml')).toEqual([
      ['---\nkey: value\n---\nother: 1', ['Doc']],
    ]);
  });
});

describe('fenced code with # lines', () => {
  const md = [
    '# Setup',
    '',
    'Install the tools first.',
    '',
    '```bash',
    '# update the package index',
    'sudo apt-get update',
    '## install the compiler',
    'sudo apt-get install -y build-essential',
    '# check the version',
    'gcc --version',
    '```',
    '',
    '## Next',
    '',
    'Build the project.',
  ].join('\n');
  const fence = md.split('\n').slice(4, 12).join('\n');

  it('keeps the fence in its section at the defaults, where the child section joins it', () => {
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc', 'Setup']]]);
  });

  it('moves a fence that fits in a chunk of its own to the next chunk rather than cut it', () => {
    expect(chunk(md, 'markdown', { maxTokens: 40, overlapTokens: 8 })).toEqual([
      ['# Setup\n\nInstall the tools first.', ['Doc', 'Setup']],
      [fence, ['Doc', 'Setup']],
      ['## Next\n\nBuild the project.', ['Doc', 'Setup', 'Next']],
    ]);
  });
});

describe('tables', () => {
  const md = [
    '## Prices',
    '',
    '| Item | Price |',
    '| --- | ---: |',
    '| Apple | 1.20 |',
    '| Banana | 0.50 |',
    '| Cherry | 3.00 |',
    '| Durian | 9.99 |',
    '| Elderberry | 4.75 |',
    '',
    'Prices include tax.',
  ].join('\n');

  it('keeps a table whole when it fits', () => {
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc', 'Prices']]]);
  });

  it('cuts a table too big for a chunk between rows and repeats its header', () => {
    expect(chunk(md, 'markdown', { maxTokens: 40, overlapTokens: 8 })).toEqual([
      [
        lines(
          '## Prices',
          '',
          '| Item | Price |',
          '| --- | ---: |',
          '| Apple | 1.20 |',
          '| Banana | 0.50 |',
          '| Cherry | 3.00 |',
        ),
        ['Doc', 'Prices'],
      ],
      [
        '| Item | Price |\n| --- | ---: |\n| Cherry | 3.00 |\n| Durian | 9.99 |\n| Elderberry | 4.75 |',
        ['Doc', 'Prices'],
      ],
      ['Prices include tax.', ['Doc', 'Prices']],
    ]);
  });
});

describe('long lines and overlap', () => {
  it('cuts a line longer than a chunk by tokens, pieces overlapping by tokens', () => {
    const line = 'alpha beta gamma delta '.repeat(20).trim();
    const unit = ' alpha beta gamma delta';
    expect(chunk(line, 'markdown', { maxTokens: 40, overlapTokens: 8 })).toEqual([
      [`alpha beta gamma delta${unit.repeat(9)}`, ['Doc']],
      [unit.repeat(10), ['Doc']],
      [unit.repeat(4), ['Doc']],
    ]);
  });

  it('starts the next chunk with the last whole lines of a cut paragraph', () => {
    const md = [
      '## Notes',
      '',
      'First line of a long paragraph.',
      'Second line of the paragraph.',
      'Third line of the paragraph.',
      'Fourth line of the paragraph.',
      'Fifth line closes it.',
      '',
      'A short closing paragraph.',
    ].join('\n');
    expect(chunk(md, 'markdown', { maxTokens: 30, overlapTokens: 8 })).toEqual([
      [
        lines(
          '## Notes',
          '',
          'First line of a long paragraph.',
          'Second line of the paragraph.',
          'Third line of the paragraph.',
          'Fourth line of the paragraph.',
        ),
        ['Doc', 'Notes'],
      ],
      [
        'Fourth line of the paragraph.\nFifth line closes it.\n\nA short closing paragraph.',
        ['Doc', 'Notes'],
      ],
    ]);
  });

  it('keeps runs of blank lines between blocks', () => {
    const md = 'Para one.\n\n\n\nPara two after three blank lines.';
    expect(chunk(md, 'markdown')).toEqual([[md, ['Doc']]]);
  });
});

describe('code and data files', () => {
  const python = [
    '# Utilities for the importer.',
    'import os',
    '',
    '',
    '# Directories we never read.',
    "SKIP = {'.git', 'node_modules'}",
    '',
    '',
    'def walk(root):',
    '    # Depth-first, sorted for stable output.',
    '    for name in sorted(os.listdir(root)):',
    '        if name in SKIP:',
    '            continue',
    '        yield os.path.join(root, name)',
  ].join('\n');

  it('keeps a small python file whole, comments and all, under the title only', () => {
    expect(chunk(python, 'python')).toEqual([[python, ['Doc']]]);
  });

  it('splits python on blank lines, then lines, never at a # comment', () => {
    expect(chunk(python, 'python', { maxTokens: 40, overlapTokens: 8 })).toEqual([
      [python.split('\n').slice(0, 6).join('\n'), ['Doc']],
      [python.split('\n').slice(8, 13).join('\n'), ['Doc']],
      ['        if name in SKIP:\n            continue\n        yield os.path.join(root, name)', ['Doc']],
    ]);
  });

  const yaml = [
    '# Service definition',
    'name: web',
    'image: nginx:1.27',
    '',
    '# Ports exposed to the host',
    'ports:',
    '  - 80:80',
    '  - 443:443',
    '',
    '# Environment',
    'env:',
    '  LOG_LEVEL: info',
    '  WORKERS: 4',
  ].join('\n');

  it('keeps a small yaml file whole', () => {
    expect(chunk(yaml, 'yaml')).toEqual([[yaml, ['Doc']]]);
  });

  it('splits yaml on blank lines first', () => {
    expect(chunk(yaml, 'yaml', { maxTokens: 20, overlapTokens: 8 })).toEqual([
      ['# Service definition\nname: web\nimage: nginx:1.27', ['Doc']],
      ['# Ports exposed to the host\nports:\n  - 80:80', ['Doc']],
      ['ports:\n  - 80:80\n  - 443:443', ['Doc']],
      ['# Environment\nenv:\n  LOG_LEVEL: info\n  WORKERS: 4', ['Doc']],
    ]);
  });

  it('has no headings or fences in plain text', () => {
    const text = '# not a heading in text\n\n```\n# still text\n```';
    expect(chunk(text, 'text')).toEqual([[text, ['Doc']]]);
  });
});

describe('small inputs', () => {
  it('makes one chunk of a tiny document, and none of an empty one', () => {
    expect(
      chunkDocument({ title: 'T', content: '  Hello there.  ', documentType: 'markdown' }, DEFAULTS),
    ).toEqual([{ index: 0, text: 'Hello there.', headingPath: ['T'], tokenCount: 3 }]);
    expect(chunk('', 'markdown')).toEqual([]);
    expect(chunk(' \r\n\t\n ', 'python')).toEqual([]);
  });

  it('normalises CRLF and lone CR line endings', () => {
    expect(chunk('# A\r\n\r\nLine one\r\nLine two\r\n', 'markdown')).toEqual([
      ['# A\n\nLine one\nLine two', ['Doc', 'A']],
    ]);
    expect(chunk('Line one\rLine two\r\rPara two', 'markdown')).toEqual([
      ['Line one\nLine two\n\nPara two', ['Doc']],
    ]);
  });

  it('rejects a limit too small to hold a re-opened fence', () => {
    expect(() =>
      chunkDocument({ title: 'T', content: 'x', documentType: 'text' }, { maxTokens: 8, overlapTokens: 0 }),
    ).toThrow(RangeError);
  });
});
