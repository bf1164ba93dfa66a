import { Button } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ApiError } from '../../api/errors';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { PageLoader } from '../../components/PageLoader';

/** What the viewer and the editor show instead of a document, each state with the page's one h1. */
export function DocumentUnavailable({ query }: { query: UseQueryResult }) {
  const { error } = query;
  if (query.isPending) return <PageLoader label="Loading the document…" standalone />;
  if (error instanceof ApiError && error.status === 404) {
    return (
      <>
        <PageHeader title="Document not found" />
        <EmptyState
          icon="?"
          title="Nothing to show"
          description="It may have been deleted, or it belongs to someone else."
          action={
            <Button component={Link} to="/documents">
              Back to documents
            </Button>
          }
        />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Document unavailable" />
      <ErrorAlert error={error} onRetry={() => void query.refetch()} />
    </>
  );
}
