import { Badge, Group, Pagination, Paper, Skeleton, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { type OAuthGrant, useDisconnectGrant, useGrants } from '../../api/oauth';
import { ConfirmButton } from '../../components/ConfirmButton';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notifyError, notifySuccess } from '../../components/notify';
import { ResponsiveTable } from '../../components/ResponsiveTable';
import { OAuthConnectHelp } from './OAuthConnectHelp';
import { absoluteTime, relativeTime } from './token-time';

const PAGE_SIZE = 20;

function ScopeCell({ grant }: { grant: OAuthGrant }) {
  const write = grant.access === 'read_write';
  return (
    <Group gap={6} wrap="wrap">
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {grant.collection_id ? (
          <>
            Collection <strong>{grant.collection_name ?? grant.collection_id}</strong>
          </>
        ) : (
          'Whole account'
        )}
      </Text>
      <Badge size="sm" variant="light" color={write ? 'orange' : 'blue'}>
        {write ? 'read/write' : 'read'}
      </Badge>
    </Group>
  );
}

function When({ iso, empty }: { iso: string | null; empty: string }) {
  if (!iso) return <Text size="sm">{empty}</Text>;
  return (
    <Tooltip label={absoluteTime(iso)}>
      <Text size="sm">{relativeTime(iso)}</Text>
    </Tooltip>
  );
}

/** Applications connected through OAuth: what each may use, and a way to cut it off. */
export function ConnectedClientsPanel() {
  const [page, setPage] = useState(1);
  const grants = useGrants({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const disconnect = useDisconnectGrant();
  const rows = grants.data?.grants ?? [];
  const total = grants.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <Stack gap="lg">
      <Paper withBorder radius="md" p="md">
        <Stack gap="xs">
          <Title order={2} size="h4">
            Connect with OAuth
          </Title>
          <OAuthConnectHelp />
        </Stack>
      </Paper>
      <Stack gap="xs" component="section" aria-labelledby="oauth-list-title">
        <Title order={2} size="h4" id="oauth-list-title">
          Connected clients
        </Title>
        {grants.isPending && <Skeleton h={120} aria-label="Loading connected clients" />}
        {grants.isError && <ErrorAlert error={grants.error} onRetry={() => void grants.refetch()} />}
        {grants.isSuccess && total === 0 && (
          <EmptyState
            title="No connected clients"
            description="Applications you connect by pasting the MCP URL and approving in the browser appear here."
          />
        )}
        {rows.length > 0 && (
          <ResponsiveTable
            label="Connected clients"
            rows={rows}
            rowKey={(grant) => grant.id}
            minWidth={760}
            title={{
              header: 'Client',
              cell: (grant) => (
                <Stack gap={0}>
                  <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                    {grant.client_name}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {grant.client_host}
                  </Text>
                </Stack>
              ),
            }}
            columns={[
              { header: 'Access', cell: (grant) => <ScopeCell grant={grant} /> },
              { header: 'Last used', cell: (grant) => <When iso={grant.last_used_at} empty="Never used" /> },
              { header: 'Connected', cell: (grant) => <When iso={grant.created_at} empty="—" /> },
            ]}
            actions={(grant) => (
              <ConfirmButton
                size="xs"
                loading={disconnect.isPending && disconnect.variables === grant.id}
                aria-label={`Disconnect ${grant.client_name}`}
                confirm={{
                  title: 'Disconnect this client?',
                  message: `“${grant.client_name}” (${grant.client_host}) loses access at once; to use it again, connect it again.`,
                  confirmLabel: 'Disconnect',
                  onConfirm: () =>
                    disconnect.mutate(grant.id, {
                      onSuccess: () => notifySuccess(`“${grant.client_name}” was disconnected.`),
                      onError: (error) => notifyError(error, 'Could not disconnect the client'),
                    }),
                }}
              >
                Disconnect
              </ConfirmButton>
            )}
          />
        )}
        {pages > 1 && (
          <Group justify="center">
            <Pagination
              total={pages}
              value={Math.min(page, pages)}
              onChange={setPage}
              siblings={1}
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
              getItemProps={(item) => ({ 'aria-label': `Page ${item}` })}
            />
          </Group>
        )}
      </Stack>
    </Stack>
  );
}
