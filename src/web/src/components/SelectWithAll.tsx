import { type ComboboxItem, Select, type SelectProps } from '@mantine/core';

/** Props of a select whose empty choice, when allowed, means "all" and is reported as null. */
export type SelectWithAllProps = Omit<SelectProps, 'data' | 'value' | 'onChange'> & {
  value: string | null;
  onChange: (value: string | null) => void;
  allowAll?: boolean;
};

/** A searchable select; with `allowAll`, an extra first choice (`allLabel`) standing for no filter. */
export function SelectWithAll({
  options,
  allLabel,
  value,
  onChange,
  allowAll = false,
  ...props
}: SelectWithAllProps & { options: ComboboxItem[]; allLabel: string }) {
  const data = allowAll ? [{ value: '', label: allLabel }, ...options] : options;
  return (
    <Select
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
