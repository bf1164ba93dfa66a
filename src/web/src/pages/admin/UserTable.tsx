import { Badge, Group, Text } from '@mantine/core';
import { ResponsiveTable } from '../../components/ResponsiveTable';
import { formatDate } from '../../lib/format';
import type { User } from './admin-types';
import { UserActions } from './UserActions';
import { StatusBadges } from './UserDetailsDrawer';

interface Props {
  users: User[];
  selfId: string | undefined;
  onDetails: (user: User) => void;
}

export function UserTable({ users, selfId, onDetails }: Props) {
  return (
    <ResponsiveTable
      label="Users"
      rows={users}
      rowKey={(user) => user.user_id}
      minWidth={900}
      rowStyle={(user) => (user.is_active ? undefined : { opacity: 0.7 })}
      title={{
        header: 'Username',
        cell: (user) => (
          <Group gap={6} wrap="nowrap">
            <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
              {user.username}
            </Text>
            {user.user_id === selfId && (
              <Badge size="xs" variant="outline">
                you
              </Badge>
            )}
          </Group>
        ),
      }}
      columns={[
        {
          header: 'Email',
          cell: (user) => (
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {user.email}
            </Text>
          ),
        },
        { header: 'Status', cell: (user) => <StatusBadges user={user} /> },
        { header: 'Registered', cell: (user) => <Text size="sm">{formatDate(user.created_at)}</Text> },
      ]}
      actions={(user) => (
        <UserActions user={user} isSelf={user.user_id === selfId} onDetails={() => onDetails(user)} />
      )}
    />
  );
}
