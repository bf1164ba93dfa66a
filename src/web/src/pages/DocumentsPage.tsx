import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { Link, useSearchParams } from 'react-router';
import { useCollections } from '../api/collections';
import { useDeleteDocument, useDocumentList } from '../api/documents';
import type { DocumentSort, DocumentSummary, SortOrder } from '../api/types';
import { CollectionSelect } from '../components/CollectionSelect';
import { confirmAction } from '../components/ConfirmButton';
import { DocumentTypeSelect } from '../components/DocumentTypeSelect';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { notifySuccess } from '../components/notify';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { ResponsiveTable } from '../components/ResponsiveTable';
import { documentTypeLabel, isDocumentType } from '../lib/document-types';
import { formatDateTime, formatNumber } from '../lib/format';
import { UploadModal } from './documents/UploadModal';

const PAGE_SIZES = ['10', '25', '50', '100'];
const SORTS: DocumentSort[] = ['created_at', 'updated_at', 'title'];

function readParams(params: URLSearchParams) {
  const sort = params.get('sort');
  const type = params.get('document_type');
  const size = Number(params.get('limit'));
  return {
    collectionId: params.get('collection_id') || null,
    documentType: isDocumentType(type) ? type : null,
    sort: (SORTS as string[]).includes(sort ?? '') ? (sort as DocumentSort) : 'created_at',
    order: (params.get('order') === 'asc' ? 'asc' : 'desc') as SortOrder,
    page: Math.max(1, Math.floor(Number(params.get('page'))) || 1),
    limit: PAGE_SIZES.includes(String(size)) ? size : 25,
  };
}

// Phones show cards instead of the sortable table header, so they choose the order here.
const SORT_CHOICES: { value: string; label: string }[] = [
  { value: 'created_at:desc', label: 'Newest first' },
  { value: 'created_at:asc', label: 'Oldest first' },
  { value: 'updated_at:desc', label: 'Recently updated' },
  { value: 'updated_at:asc', label: 'Least recently updated' },
  { value: 'title:asc', label: 'Title A–Z' },
  { value: 'title:desc', label: 'Title Z–A' },
];

function SortHeader({
  label,
  column,
  sort,
  order,
  onSort,
}: {
  label: string;
  column: DocumentSort;
  sort: DocumentSort;
  order: SortOrder;
  onSort: (column: DocumentSort) => void;
}) {
  const active = sort === column;
  const arrow = active ? (order === 'asc' ? '▲' : '▼') : '↕';
  return (
    <Table.Th aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => onSort(column)} fw={600} fz="sm" aria-label={`Sort by ${label}`}>
        {label}{' '}
        <Text span c={active ? undefined : 'dimmed'} fz="xs" aria-hidden>
          {arrow}
        </Text>
      </UnstyledButton>
    </Table.Th>
  );
}

export default function DocumentsPage() {
  const [params, setParams] = useSearchParams();
  const { collectionId, documentType, sort, order, page, limit } = readParams(params);
  const collections = useCollections();
  const list = useDocumentList({
    collection_id: collectionId ?? undefined,
    document_type: documentType ?? undefined,
    sort,
    order,
    limit,
    offset: (page - 1) * limit,
  });
  const remove = useDeleteDocument();
  const collectionName = collections.data?.find((c) => c.collection_id === collectionId)?.name;

  const change = (updates: Record<string, string | null>, resetPage = true) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [key, value] of Object.entries(updates)) {
        if (value === null || value === '') next.delete(key);
        else next.set(key, value);
      }
      if (resetPage) next.delete('page');
      return next;
    });

  const onSort = (column: DocumentSort) => {
    const nextOrder: SortOrder =
      sort === column ? (order === 'asc' ? 'desc' : 'asc') : column === 'title' ? 'asc' : 'desc';
    change({ sort: column, order: nextOrder });
  };

  const askDelete = (document: DocumentSummary) =>
    confirmAction({
      title: 'Delete document?',
      message: `"${document.title}" and its search index will be deleted. This cannot be undone.`,
      onConfirm: () =>
        remove.mutate(document.document_id, {
          onSuccess: () => notifySuccess(`Deleted "${document.title}"`),
        }),
    });

  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / limit));
  const filtered = collectionId !== null || documentType !== null;
  const newLink = `/documents/new${collectionId ? `?collection_id=${encodeURIComponent(collectionId)}` : ''}`;

  return (
    <>
      <PageHeader
        title={collectionName ? `Documents in ${collectionName}` : 'Documents'}
        documentTitle="Documents"
        description={list.data ? `${formatNumber(total)} document${total === 1 ? '' : 's'}` : undefined}
        actions={
          <>
            <Button variant="light" onClick={() => change({ upload: '1' }, false)}>
              Upload files
            </Button>
            <Button component={Link} to={newLink}>
              New document
            </Button>
          </>
        }
      />

      <Group mb="md" align="flex-end" gap="sm">
        <CollectionSelect
          allowAll
          value={collectionId}
          onChange={(value) => change({ collection_id: value })}
          w={{ base: '100%', xs: 240 }}
        />
        <DocumentTypeSelect
          allowAll
          value={documentType}
          onChange={(value) => change({ document_type: value })}
          w={{ base: '100%', xs: 200 }}
        />
        <Select
          label="Sort by"
          hiddenFrom="sm"
          data={SORT_CHOICES}
          value={`${sort}:${order}`}
          onChange={(value) => {
            const [column, direction] = (value ?? '').split(':');
            change({ sort: column ?? null, order: direction ?? null });
          }}
          allowDeselect={false}
          w="100%"
        />
        {filtered && (
          <Button variant="subtle" onClick={() => change({ collection_id: null, document_type: null })}>
            Clear filters
          </Button>
        )}
      </Group>

      {list.isPending ? (
        <PageLoader />
      ) : list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.documents.length === 0 && page === 1 ? (
        <EmptyState
          title={filtered ? 'No documents match these filters' : 'No documents yet'}
          description={
            filtered
              ? 'Try another collection or type, or add a document here.'
              : 'Upload markdown, text or code files, or write a document in the editor.'
          }
          action={
            <Group justify="center">
              <Button onClick={() => change({ upload: '1' }, false)}>Upload files</Button>
              <Button component={Link} to={newLink} variant="light">
                New document
              </Button>
            </Group>
          }
        />
      ) : (
        <Stack>
          <Card padding={0} style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
            <ResponsiveTable
              label="Documents"
              rows={list.data.documents}
              rowKey={(document) => document.document_id}
              minWidth={640}
              compactActions
              title={{
                header: 'Title',
                th: <SortHeader label="Title" column="title" sort={sort} order={order} onSort={onSort} />,
                maxWidth: 360,
                cell: (document) => (
                  <Anchor
                    component={Link}
                    to={`/documents/${encodeURIComponent(document.document_id)}`}
                    fw={500}
                    className="wrap-anywhere"
                  >
                    {document.title}
                  </Anchor>
                ),
              }}
              columns={[
                {
                  header: 'Collection',
                  cell: (document) => (
                    <Anchor
                      component={Link}
                      to={`/documents?collection_id=${encodeURIComponent(document.collection_id)}`}
                      size="sm"
                      c="dimmed"
                      className="wrap-anywhere"
                    >
                      {document.collection_name}
                    </Anchor>
                  ),
                },
                {
                  header: 'Type',
                  cell: (document) => (
                    <Badge variant="light" color="gray" tt="none">
                      {documentTypeLabel(document.document_type)}
                    </Badge>
                  ),
                },
                {
                  header: 'Created',
                  th: (
                    <SortHeader
                      label="Created"
                      column="created_at"
                      sort={sort}
                      order={order}
                      onSort={onSort}
                    />
                  ),
                  cell: (document) => <Text size="sm">{formatDateTime(document.created_at)}</Text>,
                },
                {
                  header: 'Updated',
                  th: (
                    <SortHeader
                      label="Updated"
                      column="updated_at"
                      sort={sort}
                      order={order}
                      onSort={onSort}
                    />
                  ),
                  cell: (document) => <Text size="sm">{formatDateTime(document.updated_at)}</Text>,
                },
              ]}
              actions={(document) => (
                <Menu position="bottom-end" withArrow>
                  <Menu.Target>
                    <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${document.title}`}>
                      ⋯
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item component={Link} to={`/documents/${encodeURIComponent(document.document_id)}`}>
                      View
                    </Menu.Item>
                    <Menu.Item
                      component={Link}
                      to={`/documents/${encodeURIComponent(document.document_id)}/edit`}
                    >
                      Edit
                    </Menu.Item>
                    <Menu.Divider />
                    <Menu.Item color="red" onClick={() => askDelete(document)}>
                      Delete
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              )}
            />
          </Card>
          <Group justify="space-between" gap="sm">
            <Pagination
              total={pages}
              value={Math.min(page, pages)}
              onChange={(next) => change({ page: next === 1 ? null : String(next) }, false)}
              size="sm"
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            />
            <Select
              aria-label="Documents per page"
              data={PAGE_SIZES.map((value) => ({ value, label: `${value} per page` }))}
              value={String(limit)}
              onChange={(value) => change({ limit: value === '25' ? null : value })}
              allowDeselect={false}
              w={140}
              size="xs"
            />
          </Group>
        </Stack>
      )}

      <UploadModal
        opened={params.get('upload') === '1'}
        onClose={() => change({ upload: null }, false)}
        defaultCollectionId={collectionId}
      />
    </>
  );
}
