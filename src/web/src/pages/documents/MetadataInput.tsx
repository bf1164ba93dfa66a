import { JsonInput } from '@mantine/core';

/** The reason `text` is not a JSON object, or null when it is one (empty counts as `{}`). */
export function metadataError(text: string): string | null {
  if (!text.trim()) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return 'Metadata must be a JSON object, like {"source": "notes"}';
    }
    return null;
  } catch (error) {
    return `Not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`;
  }
}

export function parseMetadata(text: string): Record<string, unknown> {
  return text.trim() ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export const formatMetadata = (value: Record<string, unknown>) =>
  Object.keys(value).length === 0 ? '' : JSON.stringify(value, null, 2);

export function MetadataInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <JsonInput
      label="Metadata (JSON object)"
      description="Optional; search can filter on it"
      placeholder='{"source": "meeting notes"}'
      value={value}
      onChange={onChange}
      error={metadataError(value)}
      formatOnBlur
      autosize
      minRows={2}
      maxRows={10}
      styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
    />
  );
}
