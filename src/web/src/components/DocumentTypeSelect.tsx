import { Select, type SelectProps } from '@mantine/core';
import { DOCUMENT_TYPE_OPTIONS } from '../lib/document-types';

/** One of the 22 document types; with `allowAll`, an empty choice meaning "any type". */
export function DocumentTypeSelect({
  value,
  onChange,
  allowAll = false,
  label = 'Type',
  ...props
}: Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  value: string | null;
  onChange: (value: string | null) => void;
  allowAll?: boolean;
}) {
  const data = allowAll
    ? [{ value: '', label: 'All types' }, ...DOCUMENT_TYPE_OPTIONS]
    : DOCUMENT_TYPE_OPTIONS;
  return (
    <Select
      label={label}
      data={data}
      value={value ?? (allowAll ? '' : null)}
      onChange={(next) => onChange(next === '' ? null : next)}
      searchable
      allowDeselect={false}
      comboboxProps={{ withinPortal: true }}
      {...props}
    />
  );
}
