import {
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useDeleteDocument, useDocument } from '../api/documents';
import { confirmAction } from '../components/ConfirmButton';
import { CopyButton } from '../components/CopyButton';
import { notifySuccess } from '../components/notify';
import { PageHeader } from '../components/PageHeader';
import { documentTypeLabel } from '../lib/document-types';
import { formatDateTime, plural } from '../lib/format';
import { DocumentContent } from './documents/DocumentContent';
import { DocumentUnavailable } from './documents/DocumentStates';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div" className="wrap-anywhere">
        {children}
      </Text>
    </Stack>
  );
}

export default function DocumentViewPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const query = useDocument(id);
  const remove = useDeleteDocument();

  if (query.isPending || query.isError) {
    return <DocumentUnavailable query={query} />;
  }

  const document = query.data.document;
  const collectionLink = `/documents?collection_id=${encodeURIComponent(document.collection_id)}`;
  const metadataEntries = Object.keys(document.metadata).length;

  const askDelete = () =>
    confirmAction({
      title: 'Delete document?',
      message: `"${document.title}" and its search index will be deleted. This cannot be undone.`,
      onConfirm: () =>
        remove.mutate(document.document_id, {
          onSuccess: () => {
            notifySuccess(`Deleted "${document.title}"`);
            navigate(collectionLink, { replace: true });
          },
        }),
    });

  return (
    <>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/documents">
          Documents
        </Anchor>
        <Anchor component={Link} to={collectionLink}>
          {document.collection_name}
        </Anchor>
      </Breadcrumbs>
      <PageHeader
        title={document.title}
        actions={
          <>
            <Button component={Link} to={`/documents/${encodeURIComponent(document.document_id)}/edit`}>
              Edit
            </Button>
            <Button color="red" variant="light" onClick={askDelete} loading={remove.isPending}>
              Delete
            </Button>
          </>
        }
      />
      <Stack>
        <Card padding="md" component="section" aria-label="Document details">
          <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }} spacing="md">
            <Fact label="Type">
              <Badge variant="light" tt="none">
                {documentTypeLabel(document.document_type)}
              </Badge>
            </Fact>
            <Fact label="Collection">
              <Anchor component={Link} to={collectionLink} size="sm">
                {document.collection_name}
              </Anchor>
            </Fact>
            <Fact label="Size">
              {plural(document.token_count, 'token')} · {plural(document.chunk_count, 'chunk')}
            </Fact>
            <Fact label="Created">{formatDateTime(document.created_at)}</Fact>
            <Fact label="Updated">{formatDateTime(document.updated_at)}</Fact>
            <Fact label="ID">
              <Group gap={4}>
                <Code style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>
                  {document.document_id.slice(0, 12)}…
                </Code>
                <CopyButton value={document.document_id} label="Copy ID" size="compact-xs" variant="subtle" />
              </Group>
            </Fact>
          </SimpleGrid>
          {metadataEntries > 0 && (
            <Stack gap={4} mt="md">
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Metadata
              </Text>
              <Code block>{JSON.stringify(document.metadata, null, 2)}</Code>
            </Stack>
          )}
        </Card>
        <Card padding="lg" component="article" aria-label="Document content">
          <DocumentContent content={document.content} documentType={document.document_type} />
        </Card>
      </Stack>
    </>
  );
}
