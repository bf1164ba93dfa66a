import { CodeView } from '../../components/CodeView';
import { JsonTree } from '../../components/JsonTree';
import { MarkdownView } from '../../components/MarkdownView';

/** A document's text shown by type: markdown rendered, JSON as a tree, everything else highlighted. */
export function DocumentContent({ content, documentType }: { content: string; documentType: string }) {
  if (documentType === 'markdown') return <MarkdownView source={content} />;
  if (documentType === 'json') return <JsonTree source={content} />;
  return <CodeView value={content} documentType={documentType} />;
}
