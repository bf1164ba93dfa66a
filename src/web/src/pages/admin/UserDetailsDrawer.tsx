import { Badge, Drawer, Group, Paper, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { ErrorAlert } from '../../components/ErrorAlert';
import { currentYearMonth, formatDateTime, formatNumber } from '../../lib/format';
import type { User } from './admin-types';
import { UsageHistory } from './UsageHistory';
import { useUserDetail, useUserUsage } from './useAdminUsers';

function Stat({ label, value, hint }: { label: string; value: number | undefined; hint?: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="xl" fw={700}>
        {value === undefined ? '—' : formatNumber(value)}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

export function StatusBadges({ user }: { user: Pick<User, 'is_active' | 'is_superuser'> }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge
        size="sm"
        color={user.is_active ? 'green' : 'gray'}
        variant={user.is_active ? 'light' : 'outline'}
      >
        {user.is_active ? 'Active' : 'Inactive'}
      </Badge>
      <Badge size="sm" color={user.is_superuser ? 'grape' : 'blue'} variant="light">
        {user.is_superuser ? 'Superuser' : 'User'}
      </Badge>
    </Group>
  );
}

/** Everything the admin needs to know about one user: what they own and how much they use the service. */
export function UserDetailsDrawer({ user, onClose }: { user: User | null; onClose: () => void }) {
  const phone = useMediaQuery('(max-width: 36em)') ?? false;
  const userId = user?.user_id ?? null;
  const detail = useUserDetail(userId);
  const usage = useUserUsage(userId);
  const d = detail.data;

  return (
    <Drawer
      opened={user !== null}
      onClose={onClose}
      position="right"
      size={phone ? '100%' : 'lg'}
      title={user ? `User ${user.username}` : ''}
    >
      {user && (
        <Stack gap="lg">
          <Stack gap={4}>
            <StatusBadges user={d ?? user} />
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {user.email}
            </Text>
            <Text size="xs" c="dimmed">
              Registered {formatDateTime(user.created_at)} · id {user.user_id}
            </Text>
          </Stack>

          <Stack gap="xs" component="section" aria-labelledby="user-owns-title">
            <Title order={3} size="h5" id="user-owns-title">
              Owns
            </Title>
            {detail.isError && <ErrorAlert error={detail.error} onRetry={() => void detail.refetch()} />}
            {detail.isPending ? (
              <Skeleton h={140} />
            ) : (
              <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
                <Stat label="Collections" value={d?.collection_count} />
                <Stat label="Documents" value={d?.document_count} />
                <Stat
                  label="PATs active"
                  value={d?.pat_active_count}
                  hint={d ? `${formatNumber(d.pat_inactive_count)} expired` : undefined}
                />
                <Stat
                  label="CATs active"
                  value={d?.cat_active_count}
                  hint={d ? `${formatNumber(d.cat_inactive_count)} expired` : undefined}
                />
              </SimpleGrid>
            )}
          </Stack>

          <Stack gap="xs" component="section" aria-labelledby="user-month-title">
            <Title order={3} size="h5" id="user-month-title">
              This month ({usage.data?.year_month ?? currentYearMonth()})
            </Title>
            {usage.isError && <ErrorAlert error={usage.error} onRetry={() => void usage.refetch()} />}
            {usage.isPending ? (
              <Skeleton h={80} />
            ) : (
              <SimpleGrid cols={3} spacing="xs">
                <Stat label="API" value={usage.data?.api_requests} />
                <Stat label="MCP" value={usage.data?.mcp_requests} />
                <Stat label="Total" value={usage.data?.total_requests} />
              </SimpleGrid>
            )}
          </Stack>

          <UsageHistory userId={user.user_id} username={user.username} />
        </Stack>
      )}
    </Drawer>
  );
}
