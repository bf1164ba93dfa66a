import { Box } from '@mantine/core';
import { useCodeMirror } from './use-code-mirror';

/** Read-only code, highlighted as the given document type. */
export function CodeView({
  value,
  documentType,
  label = 'Document content',
  maxHeight,
}: {
  value: string;
  documentType: string;
  label?: string;
  maxHeight?: string;
}) {
  const ref = useCodeMirror({ value, documentType, readOnly: true, label, maxHeight });
  return (
    <Box
      ref={ref}
      data-testid="code-view"
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 4, overflow: 'hidden' }}
    />
  );
}
