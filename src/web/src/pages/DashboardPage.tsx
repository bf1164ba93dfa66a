import { Anchor, Button, Card, Group, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useCats, useCollectionTotal, useDocumentTotal, useMonthUsage, usePats } from '../api/dashboard';
import { useSession } from '../api/session';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { formatNumber } from '../lib/format';

function StatCard<T>({
  label,
  query,
  value,
  to,
  linkLabel,
}: {
  label: string;
  query: UseQueryResult<T>;
  value: (data: T) => number;
  to: string;
  linkLabel: string;
}) {
  return (
    <Card padding="lg" aria-label={label} component="section">
      <Text size="sm" c="dimmed" fw={500}>
        {label}
      </Text>
      {query.isPending ? (
        <Skeleton height={36} mt={6} width="40%" />
      ) : query.isError ? (
        <Text c="red" size="sm" mt={6}>
          Could not load
        </Text>
      ) : (
        <Text fz={32} fw={700} lh={1.3} data-testid={`stat-${label}`}>
          {formatNumber(value(query.data))}
        </Text>
      )}
      <Anchor component={Link} to={to} size="sm" mt="xs">
        {linkLabel} →
      </Anchor>
    </Card>
  );
}

const activeTokens = (list: { tokens: { is_active: boolean }[] }) =>
  list.tokens.filter((token) => token.is_active).length;

function UsageFigure({ label, value }: { label: string; value: ReactNode }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={24} fw={700}>
        {value}
      </Text>
    </Stack>
  );
}

export default function DashboardPage() {
  const { user } = useSession();
  const collections = useCollectionTotal();
  const documents = useDocumentTotal();
  const pats = usePats();
  const cats = useCats();
  const usage = useMonthUsage();
  const failures = [collections, documents, pats, cats, usage].filter((q) => q.isError);
  const isNew = documents.data === 0;

  return (
    <>
      <PageHeader
        title={`Welcome${user ? `, ${user.username}` : ''}`}
        documentTitle="Dashboard"
        description="Your document memory at a glance."
        actions={
          <>
            <Button component={Link} to="/documents?upload=1" variant="light">
              Upload files
            </Button>
            <Button component={Link} to="/documents/new">
              New document
            </Button>
          </>
        }
      />
      {failures.length > 0 && (
        <Stack mb="md">
          <ErrorAlert
            error={failures[0]?.error}
            title="Some figures could not be loaded"
            onRetry={() => failures.forEach((q) => void q.refetch())}
          />
        </Stack>
      )}
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
        <StatCard
          label="Collections"
          query={collections}
          value={(n) => n}
          to="/collections"
          linkLabel="Manage collections"
        />
        <StatCard
          label="Documents"
          query={documents}
          value={(n) => n}
          to="/documents"
          linkLabel="Browse documents"
        />
        <StatCard
          label="Active personal tokens"
          query={pats}
          value={activeTokens}
          to="/tokens?tab=pat"
          linkLabel="Manage PATs"
        />
        <StatCard
          label="Active collection tokens"
          query={cats}
          value={activeTokens}
          to="/tokens?tab=cat"
          linkLabel="Manage CATs"
        />
      </SimpleGrid>

      <Card mt="md" padding="lg" component="section" aria-label="Usage this month">
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h4">
            Usage this month
          </Title>
          {usage.data && (
            <Text size="sm" c="dimmed">
              {usage.data.year_month}
            </Text>
          )}
        </Group>
        {usage.isPending ? (
          <Skeleton height={48} />
        ) : usage.data ? (
          <SimpleGrid cols={{ base: 3 }} spacing="md">
            <UsageFigure label="API requests" value={formatNumber(usage.data.api_requests)} />
            <UsageFigure label="MCP requests" value={formatNumber(usage.data.mcp_requests)} />
            <UsageFigure label="Total" value={formatNumber(usage.data.total_requests)} />
          </SimpleGrid>
        ) : (
          <Text c="dimmed" size="sm">
            Usage is not available.
          </Text>
        )}
      </Card>

      {isNew && (
        <Stack mt="md">
          <EmptyState
            icon="✦"
            title="Your memory is empty"
            description="Add documents (markdown, text or code), then search them here or let an AI agent reach them over MCP with a token."
            action={
              <Group justify="center">
                <Button component={Link} to="/documents?upload=1">
                  Upload files
                </Button>
                <Button component={Link} to="/documents/new" variant="light">
                  Write a document
                </Button>
                <Button component={Link} to="/tokens" variant="subtle">
                  Create a token
                </Button>
              </Group>
            }
          />
        </Stack>
      )}
    </>
  );
}
