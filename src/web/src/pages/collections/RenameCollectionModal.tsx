import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { useRenameCollection } from '../../api/collections';
import type { Collection } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notifySuccess } from '../../components/notify';

export function RenameCollectionModal({
  collection,
  onClose,
}: {
  collection: Collection | null;
  onClose: () => void;
}) {
  const rename = useRenameCollection();
  const [name, setName] = useState('');

  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when another collection is opened
  useEffect(() => {
    setName(collection?.name ?? '');
    rename.reset();
  }, [collection]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!collection || !name.trim()) return;
    rename.mutate(
      { id: collection.collection_id, name: name.trim() },
      {
        onSuccess: (renamed) => {
          notifySuccess(`Renamed to "${renamed.name}"`);
          onClose();
        },
      },
    );
  };

  return (
    <Modal opened={collection !== null} onClose={onClose} title="Rename collection" centered>
      <form onSubmit={onSubmit}>
        <Stack>
          <ErrorAlert error={rename.error} />
          <TextInput
            label="New name"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            maxLength={100}
            required
            data-autofocus
            error={name.trim() ? null : 'Enter a name'}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              loading={rename.isPending}
              disabled={!name.trim() || name.trim() === collection?.name}
            >
              Rename
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
