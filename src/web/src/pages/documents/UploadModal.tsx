import {
  Badge,
  Button,
  FileButton,
  Group,
  Modal,
  Progress,
  ScrollArea,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { useCollections } from '../../api/collections';
import { isJob, storeDocument, useInvalidateDocuments } from '../../api/documents';
import { errorMessage } from '../../api/errors';
import { CollectionSelect } from '../../components/CollectionSelect';
import { JobProgress } from '../../components/JobProgress';
import { documentTypeFromPath, documentTypeLabel, UPLOAD_ACCEPT } from '../../lib/document-types';
import { prepareFile } from '../../lib/files';

type Status =
  | { kind: 'waiting' }
  | { kind: 'uploading' }
  /** Large files are stored in the background by the server: followed through their job. */
  | { kind: 'processing'; jobId: string }
  | { kind: 'stored'; documentId: string; duplicate: boolean }
  | { kind: 'failed'; message: string };

interface Row {
  /** Stable row identity: two picked files may share a name. */
  key: string;
  file: File;
  title?: string;
  type?: string;
  status: Status;
}

function StatusBadge({ status }: { status: Status }) {
  switch (status.kind) {
    case 'waiting':
      return (
        <Badge variant="light" color="gray">
          Waiting
        </Badge>
      );
    case 'uploading':
      return <Badge variant="light">Uploading…</Badge>;
    case 'processing':
      return <Badge variant="light">Storing…</Badge>;
    case 'stored':
      return (
        <Badge variant="light" color={status.duplicate ? 'yellow' : 'teal'}>
          {status.duplicate ? 'Already stored' : 'Stored'}
        </Badge>
      );
    case 'failed':
      return (
        <Badge variant="light" color="red">
          Failed
        </Badge>
      );
  }
}

/**
 * Uploads one or many text files as documents, one after another (each is chunked and embedded by the
 * server, which takes a moment), showing "n of m" and each file's own outcome.
 */
export function UploadModal({
  opened,
  onClose,
  defaultCollectionId,
}: {
  opened: boolean;
  onClose: () => void;
  defaultCollectionId: string | null;
}) {
  const collections = useCollections();
  const invalidate = useInvalidateDocuments();
  const [collectionId, setCollectionId] = useState<string | null>(defaultCollectionId);
  const [rows, setRows] = useState<Row[]>([]);
  const [running, setRunning] = useState(false);
  const [done, setDone] = useState(0);

  useEffect(() => {
    if (opened) {
      setRows([]);
      setDone(0);
      setCollectionId(defaultCollectionId);
    }
  }, [opened, defaultCollectionId]);

  // Default to the "default" collection (or the first) once collections are known.
  useEffect(() => {
    if (collectionId || !collections.data?.length) return;
    const fallback = collections.data.find((c) => c.name === 'default') ?? collections.data[0];
    if (fallback) setCollectionId(fallback.collection_id);
  }, [collectionId, collections.data]);

  const update = (index: number, change: Partial<Row>) =>
    setRows((current) => current.map((row, i) => (i === index ? { ...row, ...change } : row)));

  const updateRow = (key: string, change: Partial<Row>) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...change } : row)));

  const start = async () => {
    setRunning(true);
    setDone(0);
    for (const [index, row] of rows.entries()) {
      if (row.status.kind === 'stored' || row.status.kind === 'processing') {
        setDone((n) => n + 1);
        continue;
      }
      update(index, { status: { kind: 'uploading' } });
      try {
        const prepared = await prepareFile(row.file);
        update(index, { title: prepared.title, type: prepared.documentType });
        const stored = await storeDocument({
          title: prepared.title,
          content: prepared.content,
          document_type: prepared.documentType,
          collection_id: collectionId ?? undefined,
          metadata: { source_file: row.file.name },
        });
        update(index, {
          status: isJob(stored)
            ? { kind: 'processing', jobId: stored.job_id }
            : { kind: 'stored', documentId: stored.document_id, duplicate: stored.duplicate },
        });
      } catch (error) {
        update(index, { status: { kind: 'failed', message: errorMessage(error) } });
      }
      setDone((n) => n + 1);
    }
    setRunning(false);
    await invalidate();
  };

  const total = rows.length;
  const failed = rows.filter((row) => row.status.kind === 'failed').length;
  const finished = !running && total > 0 && done === total;

  return (
    <Modal
      opened={opened}
      onClose={running ? () => undefined : onClose}
      title="Upload files"
      size="lg"
      centered
      closeOnClickOutside={!running}
      closeOnEscape={!running}
      withCloseButton={!running}
    >
      <Stack>
        <Text size="sm" c="dimmed">
          Markdown, text and code files. The type comes from the file extension; the title from the front
          matter title or the first heading (markdown), else the file name.
        </Text>
        <CollectionSelect
          label="Into collection"
          value={collectionId}
          onChange={setCollectionId}
          disabled={running}
        />
        <Group>
          <FileButton
            multiple
            accept={UPLOAD_ACCEPT}
            onChange={(files) => {
              setDone(0);
              setRows(
                files.map((file, index) => ({
                  key: `${index}:${file.name}:${file.size}:${file.lastModified}`,
                  file,
                  type: documentTypeFromPath(file.name) ?? 'text',
                  status: { kind: 'waiting' },
                })),
              );
            }}
            disabled={running}
          >
            {(props) => (
              <Button variant="light" {...props}>
                Choose files…
              </Button>
            )}
          </FileButton>
          <Text size="sm" c="dimmed">
            {total === 0 ? 'No files chosen' : `${total} file${total === 1 ? '' : 's'} chosen`}
          </Text>
        </Group>

        {total > 0 && (
          <>
            <Stack gap={4}>
              <Group justify="space-between">
                <Text size="sm" fw={500} role="status" aria-live="polite" data-testid="upload-progress">
                  {running
                    ? `Uploading ${Math.min(done + 1, total)} of ${total}…`
                    : `${done} of ${total} done`}
                </Text>
                {finished && failed > 0 && (
                  <Text size="sm" c="red">
                    {failed} failed
                  </Text>
                )}
              </Group>
              <Progress value={(done / total) * 100} animated={running} aria-label="Upload progress" />
            </Stack>
            <ScrollArea.Autosize mah={300}>
              <Table aria-label="Files to upload" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>File</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((row) => (
                    <Table.Tr key={row.key}>
                      <Table.Td>
                        <Text size="sm" className="wrap-anywhere">
                          {row.title ?? row.file.name}
                        </Text>
                        {row.title && row.title !== row.file.name && (
                          <Text size="xs" c="dimmed" className="wrap-anywhere">
                            {row.file.name}
                          </Text>
                        )}
                        {row.status.kind === 'processing' && (
                          <JobProgress
                            jobId={row.status.jobId}
                            onFinished={(job) => {
                              updateRow(row.key, {
                                status:
                                  job.state === 'succeeded' && job.result
                                    ? {
                                        kind: 'stored',
                                        documentId: job.result.document_id,
                                        duplicate: job.result.duplicate,
                                      }
                                    : { kind: 'failed', message: job.error?.message ?? 'Storing failed' },
                              });
                              void invalidate();
                            }}
                          />
                        )}
                        {row.status.kind === 'failed' && (
                          <Text size="xs" c="red" role="alert">
                            {row.status.message}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{row.type ? documentTypeLabel(row.type) : '—'}</Text>
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={row.status} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollArea.Autosize>
          </>
        )}

        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} disabled={running}>
            {finished ? 'Close' : 'Cancel'}
          </Button>
          <Button
            onClick={() => void start()}
            loading={running}
            disabled={total === 0 || !collectionId || (finished && failed === 0)}
          >
            {finished && failed > 0 ? 'Retry failed' : 'Upload'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
