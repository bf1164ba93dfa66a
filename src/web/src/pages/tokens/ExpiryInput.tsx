import { NumberInput } from '@mantine/core';

interface Props {
  value: number | '';
  onChange: (value: number | '') => void;
  maxDays: number | undefined;
  label?: string;
  description?: string;
}

/** Lifetime in whole days; empty means the server's default. Out-of-range values are left for the API to refuse. */
export function ExpiryInput({ value, onChange, maxDays, label = 'Expires in (days)', description }: Props) {
  const range = maxDays ? `1–${maxDays} days` : 'Whole days';
  return (
    <NumberInput
      label={label}
      description={description ?? `${range}; leave empty for the server's default`}
      placeholder="Default"
      min={1}
      max={maxDays}
      clampBehavior="none"
      allowDecimal={false}
      allowNegative={false}
      value={value}
      onChange={(next) => onChange(typeof next === 'number' ? next : '')}
    />
  );
}

/** The request field for an ExpiryInput value. */
export const expiryField = (value: number | '') => (value === '' ? {} : { expires_in_days: value });
