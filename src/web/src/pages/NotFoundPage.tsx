import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/PageHeader';

export default function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState
        icon="?"
        title="There is nothing at this address"
        description="The link may be outdated or mistyped."
        action={
          <Button component={Link} to="/dashboard">
            Go to the dashboard
          </Button>
        }
      />
    </>
  );
}
