import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useCollections, useCreateCollection, useDeleteCollection } from '../api/collections';
import type { Collection } from '../api/types';
import { confirmAction } from '../components/ConfirmButton';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { notifySuccess } from '../components/notify';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { formatDate, plural } from '../lib/format';
import { RenameCollectionModal } from './collections/RenameCollectionModal';

function CreateCollectionForm() {
  const create = useCreateCollection();
  const [name, setName] = useState('');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    create.mutate(name.trim(), {
      onSuccess: (created) => {
        notifySuccess(`Collection "${created.name}" created`);
        setName('');
      },
    });
  };
  return (
    <Card padding="md" mb="md">
      <form onSubmit={onSubmit}>
        <Group align="flex-end" gap="sm">
          <TextInput
            label="New collection name"
            placeholder="e.g. project-notes"
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            maxLength={100}
            style={{ flex: '1 1 14rem' }}
          />
          <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
            Create collection
          </Button>
        </Group>
      </form>
    </Card>
  );
}

export default function CollectionsPage() {
  const collections = useCollections();
  const remove = useDeleteCollection();
  const navigate = useNavigate();
  const [renaming, setRenaming] = useState<Collection | null>(null);

  const askDelete = (collection: Collection) =>
    confirmAction({
      title: `Delete "${collection.name}"?`,
      message:
        collection.document_count > 0
          ? `This deletes the collection and its ${plural(collection.document_count, 'document')}. This cannot be undone.`
          : 'This deletes the empty collection. This cannot be undone.',
      confirmLabel: 'Delete collection',
      onConfirm: () =>
        remove.mutate(collection.collection_id, {
          onSuccess: () => notifySuccess(`Collection "${collection.name}" deleted`),
        }),
    });

  const open = (collection: Collection) =>
    navigate(`/documents?collection_id=${encodeURIComponent(collection.collection_id)}`);

  return (
    <>
      <PageHeader
        title="Collections"
        description="Group documents; collection tokens (CATs) give an agent access to one collection."
      />
      <CreateCollectionForm />
      {collections.isPending ? (
        <PageLoader />
      ) : collections.isError ? (
        <ErrorAlert error={collections.error} onRetry={() => void collections.refetch()} />
      ) : collections.data.length === 0 ? (
        <EmptyState
          title="No collections yet"
          description="Create a collection above to start organising documents."
        />
      ) : (
        <Card padding={0}>
          <Table.ScrollContainer minWidth={560}>
            <Table aria-label="Collections">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th ta="right">Documents</Table.Th>
                  <Table.Th ta="right">CATs</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th w={60}>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {collections.data.map((collection) => (
                  <Table.Tr
                    key={collection.collection_id}
                    style={{ cursor: 'pointer' }}
                    onClick={() => open(collection)}
                  >
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/documents?collection_id=${encodeURIComponent(collection.collection_id)}`}
                        fw={500}
                        className="wrap-anywhere"
                        onClick={(event) => event.stopPropagation()}
                      >
                        {collection.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td ta="right">{collection.document_count}</Table.Td>
                    <Table.Td ta="right">
                      {collection.cat_count > 0 ? <Badge variant="light">{collection.cat_count}</Badge> : 0}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDate(collection.created_at)}</Text>
                    </Table.Td>
                    <Table.Td onClick={(event) => event.stopPropagation()}>
                      <Menu position="bottom-end" withArrow>
                        <Menu.Target>
                          <ActionIcon
                            variant="subtle"
                            color="gray"
                            aria-label={`Actions for ${collection.name}`}
                          >
                            ⋯
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => open(collection)}>Open documents</Menu.Item>
                          <Menu.Item onClick={() => setRenaming(collection)}>Rename</Menu.Item>
                          <Menu.Item
                            component={Link}
                            to={`/documents/new?collection_id=${encodeURIComponent(collection.collection_id)}`}
                          >
                            New document here
                          </Menu.Item>
                          <Menu.Divider />
                          <Menu.Item color="red" onClick={() => askDelete(collection)}>
                            Delete
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <RenameCollectionModal collection={renaming} onClose={() => setRenaming(null)} />
    </>
  );
}
