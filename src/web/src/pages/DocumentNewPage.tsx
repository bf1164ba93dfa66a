import { Alert, Box, Button, Card } from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useCollections } from '../api/collections';
import { isJob, useInvalidateDocuments, useStoreDocument } from '../api/documents';
import type { StoredDocument } from '../api/types';
import { CollectionSelect } from '../components/CollectionSelect';
import { ErrorAlert } from '../components/ErrorAlert';
import { JobProgress } from '../components/JobProgress';
import { notifySuccess } from '../components/notify';
import { PageHeader } from '../components/PageHeader';
import { type DocumentDraft, DocumentFields, draftErrors } from './documents/DocumentFields';
import { metadataError, parseMetadata } from './documents/MetadataInput';
import { useLeaveGuard } from './documents/use-leave-guard';

const EMPTY: DocumentDraft = { title: '', documentType: 'markdown', metadata: '', content: '' };

export default function DocumentNewPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const collections = useCollections();
  const store = useStoreDocument();
  const invalidate = useInvalidateDocuments();
  const [draft, setDraft] = useState<DocumentDraft>(EMPTY);
  const [collectionId, setCollectionId] = useState<string | null>(params.get('collection_id'));
  const [showErrors, setShowErrors] = useState(false);
  const [saved, setSaved] = useState(false);
  /** Large content is stored in the background: the job followed until the document exists. */
  const [jobId, setJobId] = useState<string | null>(null);
  const [jobError, setJobError] = useState<string | null>(null);
  const dirty = !saved && (draft.title !== '' || draft.content !== '' || draft.metadata !== '');
  useLeaveGuard(dirty);

  useEffect(() => {
    if (collectionId || !collections.data?.length) return;
    const fallback = collections.data.find((c) => c.name === 'default') ?? collections.data[0];
    if (fallback) setCollectionId(fallback.collection_id);
  }, [collectionId, collections.data]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setShowErrors(true);
    const errors = draftErrors(draft);
    if (errors.title || errors.content || metadataError(draft.metadata) || !collectionId) return;
    store.mutate(
      {
        title: draft.title.trim(),
        content: draft.content,
        document_type: draft.documentType,
        metadata: parseMetadata(draft.metadata),
        collection_id: collectionId,
      },
      {
        onSuccess: (outcome) => {
          if (isJob(outcome)) {
            setJobError(null);
            setJobId(outcome.job_id);
            return;
          }
          opened(outcome);
        },
      },
    );
  };

  const opened = (stored: StoredDocument) => {
    setSaved(true);
    notifySuccess(
      stored.duplicate
        ? 'A document with exactly this content already existed; showing it.'
        : `"${stored.title}" stored and indexed`,
    );
    // After the guard sees `saved`, so leaving is not blocked.
    setTimeout(() => navigate(`/documents/${encodeURIComponent(stored.document_id)}`), 0);
  };

  return (
    <form onSubmit={onSubmit} noValidate>
      <PageHeader
        title="New document"
        description="Write or paste markdown, text or code. It is chunked and indexed for search when you save."
        actions={
          <>
            <Button component={Link} to="/documents" variant="default">
              Cancel
            </Button>
            <Button type="submit" loading={store.isPending || jobId !== null}>
              Save document
            </Button>
          </>
        }
      />
      <Card padding="lg">
        {store.isError && (
          <div style={{ marginBottom: 'var(--mantine-spacing-md)' }}>
            <ErrorAlert error={store.error} title="Could not save the document" />
          </div>
        )}
        {jobError && (
          <Alert color="red" title="Could not store the document" mb="md" role="alert">
            {jobError}
          </Alert>
        )}
        {jobId && (
          <Box mb="md">
            <JobProgress
              jobId={jobId}
              onFinished={(job) => {
                setJobId(null);
                if (job.state === 'succeeded' && job.result) {
                  void invalidate();
                  opened(job.result);
                } else setJobError(job.error?.message ?? 'Storing failed');
              }}
            />
          </Box>
        )}
        <DocumentFields
          draft={draft}
          onChange={(change) => setDraft((current) => ({ ...current, ...change }))}
          showErrors={showErrors}
          collectionField={
            <CollectionSelect
              value={collectionId}
              onChange={setCollectionId}
              error={showErrors && !collectionId ? 'Choose a collection' : undefined}
            />
          }
        />
      </Card>
    </form>
  );
}
