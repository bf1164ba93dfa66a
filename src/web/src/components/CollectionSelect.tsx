import { Select, type SelectProps } from '@mantine/core';
import { useCollections } from '../api/collections';

/** A collection of the signed-in user; with `allowAll`, an empty choice meaning "all collections". */
export function CollectionSelect({
  value,
  onChange,
  allowAll = false,
  label = 'Collection',
  ...props
}: Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  value: string | null;
  onChange: (value: string | null) => void;
  allowAll?: boolean;
}) {
  const collections = useCollections();
  const options = (collections.data ?? []).map((c) => ({ value: c.collection_id, label: c.name }));
  const data = allowAll ? [{ value: '', label: 'All collections' }, ...options] : options;
  return (
    <Select
      label={label}
      data={data}
      value={value ?? (allowAll ? '' : null)}
      onChange={(next) => onChange(next === '' ? null : next)}
      searchable
      allowDeselect={false}
      nothingFoundMessage="No collection matches"
      placeholder={collections.isPending ? 'Loading…' : 'Choose a collection'}
      error={collections.error ? 'Could not load collections' : undefined}
      comboboxProps={{ withinPortal: true }}
      {...props}
    />
  );
}
