import { Box, Input } from '@mantine/core';
import { useId } from 'react';
import { useCodeMirror } from './use-code-mirror';

/** An editable CodeMirror with the language of the document type, labelled like a Mantine input. */
export function CodeEditor({
  value,
  onChange,
  documentType,
  label,
  description,
  error,
  minHeight = '320px',
  maxHeight = '70vh',
}: {
  value: string;
  onChange: (value: string) => void;
  documentType: string;
  label: string;
  description?: string;
  error?: string | null;
  minHeight?: string;
  maxHeight?: string;
}) {
  const id = useId();
  const ref = useCodeMirror({ value, documentType, readOnly: false, label, onChange, minHeight, maxHeight });
  return (
    <Input.Wrapper label={label} description={description} error={error} id={id}>
      <Box
        ref={ref}
        mt={4}
        data-testid="code-editor"
        style={{
          border: `1px solid ${error ? 'var(--mantine-color-error)' : 'var(--mantine-color-default-border)'}`,
          borderRadius: 4,
          overflow: 'hidden',
        }}
      />
    </Input.Wrapper>
  );
}
