import { Alert, Anchor, Breadcrumbs, Button, Card, Group, Stack, Text } from '@mantine/core';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { type DocumentChanges, type LoadedDocument, useDocument, useUpdateDocument } from '../api/documents';
import { ApiError } from '../api/errors';
import { ErrorAlert } from '../components/ErrorAlert';
import { notifySuccess } from '../components/notify';
import { PageHeader } from '../components/PageHeader';
import { type DocumentDraft, DocumentFields, draftErrors } from './documents/DocumentFields';
import { DocumentUnavailable } from './documents/DocumentStates';
import { formatMetadata, metadataError, parseMetadata } from './documents/MetadataInput';
import { useLeaveGuard } from './documents/use-leave-guard';

const draftOf = ({ document }: LoadedDocument): DocumentDraft => ({
  title: document.title,
  documentType: document.document_type,
  metadata: formatMetadata(document.metadata),
  content: document.content,
});

/** Only what changed: an unchanged content must not trigger re-chunking and re-embedding. */
function changesBetween(original: DocumentDraft, draft: DocumentDraft): DocumentChanges {
  const changes: DocumentChanges = {};
  if (draft.title.trim() !== original.title) changes.title = draft.title.trim();
  if (draft.documentType !== original.documentType) changes.document_type = draft.documentType;
  if (draft.content !== original.content) changes.content = draft.content;
  if (JSON.stringify(parseMetadata(draft.metadata)) !== JSON.stringify(parseMetadata(original.metadata))) {
    changes.metadata = parseMetadata(draft.metadata);
  }
  return changes;
}

const isConflict = (error: unknown) =>
  error instanceof ApiError && (error.status === 412 || error.code === 'DOCUMENT_CHANGED');

function Editor({
  id,
  loaded,
  reload,
}: {
  id: string;
  loaded: LoadedDocument;
  reload: () => Promise<{ data?: LoadedDocument | undefined }>;
}) {
  const navigate = useNavigate();
  const update = useUpdateDocument(id);
  // The version being edited: kept apart from the query cache so a background refetch cannot swap the base.
  const [base, setBase] = useState(loaded);
  const original = useMemo(() => draftOf(base), [base]);
  const [draft, setDraft] = useState<DocumentDraft>(original);
  const [showErrors, setShowErrors] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [reloading, setReloading] = useState(false);
  const changes = useMemo(() => changesBetween(original, draft), [original, draft]);
  const metadataProblem = metadataError(draft.metadata);
  const dirty =
    !leaving &&
    (Object.keys(changes).length > 0 || (metadataProblem !== null && draft.metadata !== original.metadata));
  useLeaveGuard(dirty);
  const viewLink = `/documents/${encodeURIComponent(id)}`;

  // A newer version fetched in the background replaces the form only while nothing has been typed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reacts to a new server version only
  useEffect(() => {
    if (!dirty && loaded.etag !== base.etag) {
      setBase(loaded);
      setDraft(draftOf(loaded));
    }
  }, [loaded]);

  const save = (overwrite: boolean) => {
    setShowErrors(true);
    const errors = draftErrors(draft);
    if (errors.title || errors.content || metadataProblem) return;
    if (Object.keys(changes).length === 0) {
      navigate(viewLink);
      return;
    }
    update.mutate(
      { changes, etag: overwrite ? null : base.etag },
      {
        onSuccess: (saved) => {
          notifySuccess(`"${saved.document.title}" saved`);
          setLeaving(true);
          setTimeout(() => navigate(viewLink), 0);
        },
      },
    );
  };

  // The conflict notice stays until the form holds the latest version, so it never shows stale values alone.
  const reloadLatest = async () => {
    setReloading(true);
    try {
      const { data } = await reload();
      if (data) {
        setBase(data);
        setDraft(draftOf(data));
      }
      update.reset();
    } finally {
      setReloading(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save(false);
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      <Breadcrumbs mb="xs" fz="sm">
        <Anchor component={Link} to="/documents">
          Documents
        </Anchor>
        <Anchor
          component={Link}
          to={`/documents?collection_id=${encodeURIComponent(base.document.collection_id)}`}
        >
          {base.document.collection_name}
        </Anchor>
        <Anchor component={Link} to={viewLink}>
          {base.document.title}
        </Anchor>
      </Breadcrumbs>
      <PageHeader
        title="Edit document"
        documentTitle={`Edit ${base.document.title}`}
        description={dirty ? 'Unsaved changes' : 'No changes yet'}
        actions={
          <>
            <Button component={Link} to={viewLink} variant="default">
              Cancel
            </Button>
            <Button type="submit" loading={update.isPending} disabled={update.isPending}>
              Save
            </Button>
          </>
        }
      />
      <Stack>
        {isConflict(update.error) ? (
          <Alert color="orange" title="This document was changed meanwhile" role="alert">
            <Text size="sm">
              Someone (or another tab) saved a newer version after you opened it. Reload to see the latest
              version (your changes here are discarded), or overwrite it with your version.
            </Text>
            <Group mt="sm">
              <Button size="xs" variant="light" onClick={() => void reloadLatest()} loading={reloading}>
                Reload latest version
              </Button>
              <Button size="xs" color="orange" onClick={() => save(true)} loading={update.isPending}>
                Overwrite with my version
              </Button>
            </Group>
          </Alert>
        ) : (
          <ErrorAlert error={update.error} title="Could not save" />
        )}
        <Card padding="lg">
          <DocumentFields
            draft={draft}
            onChange={(change) => setDraft((current) => ({ ...current, ...change }))}
            showErrors={showErrors}
          />
        </Card>
      </Stack>
    </form>
  );
}

export default function DocumentEditPage() {
  const { id = '' } = useParams();
  const query = useDocument(id);

  // Always edit the newest version, not a cached one from an earlier visit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: once per document
  useEffect(() => {
    void query.refetch();
  }, [id]);

  if (query.isPending || query.isError) {
    return <DocumentUnavailable query={query} />;
  }
  return <Editor key={id} id={id} loaded={query.data} reload={query.refetch} />;
}
