import { describe, expect, it } from 'vitest';
import { firstHeading } from './first-heading.js';

describe('firstHeading', () => {
  it('takes the first ATX heading, without closing hashes', () => {
    expect(firstHeading('intro\n\n## Setup ##\n\n# Later')).toBe('Setup');
  });

  it('skips front matter and lines inside code fences', () => {
    const text = ['---', 'title: meta', '---', '```sh', '# a shell comment', '```', '# Real title'].join(
      '\n',
    );
    expect(firstHeading(text)).toBe('Real title');
  });

  it('reads a setext heading but not a list item above a rule', () => {
    expect(firstHeading('Overview\n========\n\ntext')).toBe('Overview');
    expect(firstHeading('- item\n---\n\nplain')).toBeUndefined();
  });

  it('finds nothing in text without headings', () => {
    expect(firstHeading('just words\nand more')).toBeUndefined();
  });
});
