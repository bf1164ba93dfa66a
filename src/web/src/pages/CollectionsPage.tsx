import { ActionIcon, Anchor, Badge, Button, Card, Group, Menu, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import {
  downloadCollectionExport,
  useCollections,
  useCreateCollection,
  useDeleteCollection,
} from '../api/collections';
import { ApiError, errorMessage } from '../api/errors';
import type { Collection } from '../api/types';
import { confirmAction } from '../components/ConfirmButton';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { notifyError, notifySuccess } from '../components/notify';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { ResponsiveTable } from '../components/ResponsiveTable';
import { formatDate, plural } from '../lib/format';
import { RenameCollectionModal } from './collections/RenameCollectionModal';

/** The API's reason, with the per-field details of a validation error when it sent them. */
function reason(error: unknown): string {
  const fields = error instanceof ApiError ? error.fieldErrors.map((field) => field.message) : [];
  return fields.length > 0 ? fields.join(' ') : errorMessage(error);
}

const documentsLink = (collection: Collection) =>
  `/documents?collection_id=${encodeURIComponent(collection.collection_id)}`;

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
        <Group align="flex-start" gap="sm">
          <TextInput
            label="New collection name"
            placeholder="e.g. project-notes"
            value={name}
            onChange={(event) => {
              setName(event.currentTarget.value);
              if (create.isError) create.reset();
            }}
            maxLength={100}
            error={create.isError ? <span role="alert">{reason(create.error)}</span> : undefined}
            className="inline-form-field"
          />
          <Button
            type="submit"
            loading={create.isPending}
            disabled={!name.trim()}
            className="inline-form-button"
          >
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

  const open = (collection: Collection) => navigate(documentsLink(collection));

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
          <ResponsiveTable
            label="Collections"
            rows={collections.data}
            rowKey={(collection) => collection.collection_id}
            minWidth={560}
            onRowClick={open}
            compactActions
            title={{
              header: 'Name',
              cell: (collection) => (
                <Anchor
                  component={Link}
                  to={documentsLink(collection)}
                  fw={500}
                  className="wrap-anywhere"
                  onClick={(event) => event.stopPropagation()}
                >
                  {collection.name}
                </Anchor>
              ),
            }}
            columns={[
              { header: 'Documents', align: 'right', cell: (collection) => collection.document_count },
              {
                header: 'CATs',
                align: 'right',
                cell: (collection) =>
                  collection.cat_count > 0 ? <Badge variant="light">{collection.cat_count}</Badge> : 0,
              },
              {
                header: 'Created',
                cell: (collection) => <Text size="sm">{formatDate(collection.created_at)}</Text>,
              },
            ]}
            actions={(collection) => (
              <Menu position="bottom-end" withArrow>
                <Menu.Target>
                  <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${collection.name}`}>
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
                  <Menu.Item
                    onClick={() =>
                      void downloadCollectionExport(collection).catch((error: unknown) =>
                        notifyError(error, 'Export failed'),
                      )
                    }
                  >
                    Export (JSONL)
                  </Menu.Item>
                  <Menu.Divider />
                  <Menu.Item color="red" onClick={() => askDelete(collection)}>
                    Delete
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            )}
          />
        </Card>
      )}
      <RenameCollectionModal collection={renaming} onClose={() => setRenaming(null)} />
    </>
  );
}
