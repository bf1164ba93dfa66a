import { DOCUMENT_TYPE_OPTIONS } from '../lib/document-types';
import { SelectWithAll, type SelectWithAllProps } from './SelectWithAll';

/** One of the 22 document types; with `allowAll`, an empty choice meaning "any type". */
export function DocumentTypeSelect({ label = 'Type', ...props }: SelectWithAllProps) {
  return <SelectWithAll label={label} options={DOCUMENT_TYPE_OPTIONS} allLabel="All types" {...props} />;
}
