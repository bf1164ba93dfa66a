import { describe, expect, it } from 'vitest';
import { chooseTitle, frontMatterTitle, TITLE_MAX_LENGTH, type TitleSources } from './document-title.js';
import { frontMatterOf } from './front-matter.js';

const title = (content: string, extra: Partial<TitleSources> = {}) =>
  chooseTitle({
    content,
    documentType: 'markdown',
    frontMatter: frontMatterOf(content, extra.documentType ?? 'markdown'),
    ...extra,
  });

describe('chooseTitle', () => {
  const md = '---\ntitle: From front matter\n---\n# From heading\n\ntext';

  it('prefers the explicit title, then front matter, then the first heading, then the fallback', () => {
    expect(title(md, { title: 'Given', fallback: 'file.md' })).toBe('Given');
    expect(title(md, { fallback: 'file.md' })).toBe('From front matter');
    expect(title('# From heading\n\ntext', { fallback: 'file.md' })).toBe('From heading');
    expect(title('no heading', { fallback: 'file.md' })).toBe('file.md');
    expect(title('no heading')).toBeUndefined();
  });

  it('skips a blank explicit title or fallback', () => {
    expect(title(md, { title: '   ' })).toBe('From front matter');
    expect(title('plain', { fallback: '  ' })).toBeUndefined();
  });

  it('ignores front matter and headings outside markdown', () => {
    expect(title(md, { documentType: 'text', fallback: 'notes.txt' })).toBe('notes.txt');
  });

  it('falls through front matter without a usable title', () => {
    expect(title('---\nproject: x\n---\n# Heading')).toBe('Heading');
    expect(title('---\ntitle: [a, b]\n---\n# Heading')).toBe('Heading');
    expect(title('---\ntitle: "  "\n---\n# Heading')).toBe('Heading');
  });
});

describe('frontMatterTitle', () => {
  const of = (yaml: string) => frontMatterTitle(frontMatterOf(`---\n${yaml}\n---\n`, 'markdown'));

  it('makes one line of a string or number', () => {
    expect(of('title: |\n  Two\n  lines')).toBe('Two lines');
    expect(of('title: 2024')).toBe('2024');
    expect(of('title: true')).toBeUndefined();
  });

  it('cuts long titles without splitting a surrogate pair', () => {
    expect(of(`title: ${'x'.repeat(600)}`)).toHaveLength(TITLE_MAX_LENGTH);
    const cut = of(`title: ${'x'.repeat(TITLE_MAX_LENGTH - 1)}😀`);
    expect(cut).toBe('x'.repeat(TITLE_MAX_LENGTH - 1));
  });
});
