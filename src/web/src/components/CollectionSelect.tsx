import { useCollections } from '../api/collections';
import { SelectWithAll, type SelectWithAllProps } from './SelectWithAll';

/** A collection of the signed-in user; with `allowAll`, an empty choice meaning "all collections". */
export function CollectionSelect({ label = 'Collection', ...props }: SelectWithAllProps) {
  const collections = useCollections();
  const options = (collections.data ?? []).map((c) => ({ value: c.collection_id, label: c.name }));
  return (
    <SelectWithAll
      label={label}
      options={options}
      allLabel="All collections"
      nothingFoundMessage="No collection matches"
      placeholder={collections.isPending ? 'Loading…' : 'Choose a collection'}
      error={collections.error ? 'Could not load collections' : undefined}
      {...props}
    />
  );
}
