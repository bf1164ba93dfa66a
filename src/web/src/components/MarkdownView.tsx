import { Anchor, Typography } from '@mantine/core';
import type { ComponentProps } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { documentTypeFromFence } from '../lib/document-types';
import { CodeView } from './CodeView';

function Link({ href, children }: ComponentProps<'a'>) {
  // react-markdown's default urlTransform has already emptied javascript: and other unsafe URLs.
  if (!href) return <span>{children}</span>;
  const external = /^[a-z][a-z0-9+.-]*:/i.test(href);
  return (
    <Anchor href={href} {...(external ? { target: '_blank' } : {})} rel="noopener noreferrer">
      {children}
    </Anchor>
  );
}

/** Fenced code blocks get the same highlighting as code documents. */
function Pre({ children }: ComponentProps<'pre'>) {
  const child = Array.isArray(children) ? children[0] : children;
  if (child && typeof child === 'object' && 'props' in child) {
    const props = child.props as { className?: string; children?: unknown };
    const language = /language-([\w+#.-]+)/.exec(props.className ?? '')?.[1];
    if (typeof props.children === 'string') {
      return (
        <div style={{ margin: '0 0 var(--mantine-spacing-md)' }}>
          <CodeView
            value={props.children.replace(/\n$/, '')}
            documentType={language ? documentTypeFromFence(language) : 'text'}
            label={language ? `${language} code` : 'Code'}
          />
        </div>
      );
    }
  }
  return <pre>{children}</pre>;
}

/**
 * Markdown rendered as React elements, never as HTML: without rehype-raw, raw HTML in a document stays
 * visible text, so nothing in a document can run script.
 */
export function MarkdownView({ source }: { source: string }) {
  const { frontMatter, body } = splitFrontMatter(source);
  return (
    <Typography data-testid="markdown-view" style={{ overflowWrap: 'anywhere' }}>
      {frontMatter && (
        <div style={{ marginBottom: 'var(--mantine-spacing-md)' }}>
          <CodeView value={frontMatter} documentType="yaml" label="Front matter" />
        </div>
      )}
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={{ a: Link, pre: Pre }}>
        {body}
      </ReactMarkdown>
    </Typography>
  );
}

/** YAML front matter is data, not prose: shown apart instead of as a rule and a setext heading. */
function splitFrontMatter(source: string): { frontMatter: string | null; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(source);
  if (!match) return { frontMatter: null, body: source };
  return { frontMatter: match[1] ?? '', body: source.slice(match[0].length) };
}
