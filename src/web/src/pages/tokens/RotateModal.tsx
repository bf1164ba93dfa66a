import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ExpiryInput, expiryField } from './ExpiryInput';

export interface RotateTarget {
  id: string;
  label: string;
}

interface Props {
  target: RotateTarget | null;
  maxDays: number | undefined;
  pending: boolean;
  error: unknown;
  onSubmit: (change: { label?: string; expires_in_days?: number }) => void;
  onClose: () => void;
}

/** Asks for an optional new label and lifetime before replacing a token's secret. */
export function RotateModal({ target, maxDays, pending, error, onSubmit, onClose }: Props) {
  const [label, setLabel] = useState('');
  const [days, setDays] = useState<number | ''>('');
  useEffect(() => {
    setLabel(target?.label ?? '');
    setDays('');
  }, [target]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = label.trim();
    onSubmit({ ...(trimmed && trimmed !== target?.label ? { label: trimmed } : {}), ...expiryField(days) });
  };

  return (
    <Modal opened={target !== null} onClose={onClose} title={`Rotate “${target?.label ?? ''}”`} centered>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm">
            A new secret replaces the current one, which stops working at once. Clients using it need the new
            secret.
          </Text>
          <TextInput
            label="Label"
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            maxLength={100}
          />
          <ExpiryInput
            value={days}
            onChange={setDays}
            maxDays={maxDays}
            label="New lifetime (days)"
            description={`Counted from now${maxDays ? `, 1–${maxDays} days` : ''}; empty: the server's default`}
          />
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={pending} color="orange">
              Rotate
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
