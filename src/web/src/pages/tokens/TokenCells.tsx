import { Badge, Button, Group, Stack, Text, Tooltip } from '@mantine/core';
import { ConfirmButton } from '../../components/ConfirmButton';
import { absoluteTime, relativeTime } from './token-time';

interface TokenTimes {
  label: string;
  created_at: string;
  expires_at: string | null;
  last_used: string | null;
  is_active: boolean;
}

/** The label, greyed and marked when the token has expired. */
export function LabelCell({ token }: { token: TokenTimes }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Text
        size="sm"
        fw={500}
        c={token.is_active ? undefined : 'dimmed'}
        fs={token.is_active ? undefined : 'italic'}
        style={{ overflowWrap: 'anywhere' }}
      >
        {token.label}
      </Text>
      {!token.is_active && (
        <Badge size="xs" color="gray" variant="outline">
          expired
        </Badge>
      )}
    </Group>
  );
}

function When({ iso, empty }: { iso: string | null; empty: string }) {
  if (!iso) return <Text size="sm">{empty}</Text>;
  return (
    <Stack gap={0}>
      <Text size="sm">{relativeTime(iso)}</Text>
      <Text size="xs" c="dimmed">
        {absoluteTime(iso)}
      </Text>
    </Stack>
  );
}

export function ExpiresCell({ token }: { token: TokenTimes }) {
  if (token.expires_at && !token.is_active) {
    return (
      <Stack gap={0}>
        <Text size="sm" c="dimmed">
          Expired
        </Text>
        <Text size="xs" c="dimmed">
          {absoluteTime(token.expires_at)}
        </Text>
      </Stack>
    );
  }
  return <When iso={token.expires_at} empty="Never" />;
}

export function CreatedCell({ token }: { token: TokenTimes }) {
  return (
    <Tooltip label={absoluteTime(token.created_at)}>
      <Text size="sm">{relativeTime(token.created_at)}</Text>
    </Tooltip>
  );
}

export function LastUsedCell({ token }: { token: TokenTimes }) {
  return <When iso={token.last_used} empty="Never used" />;
}

interface ActionsProps {
  token: TokenTimes;
  kindName: string;
  onRotate: () => void;
  onRevoke: () => void;
  revoking: boolean;
}

export function TokenActions({ token, kindName, onRotate, onRevoke, revoking }: ActionsProps) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Button size="xs" variant="light" onClick={onRotate} aria-label={`Rotate ${token.label}`}>
        Rotate
      </Button>
      <ConfirmButton
        size="xs"
        loading={revoking}
        aria-label={`Revoke ${token.label}`}
        confirm={{
          title: `Revoke ${kindName}?`,
          message: `“${token.label}” stops working immediately for every client that uses it. This cannot be undone.`,
          confirmLabel: 'Revoke',
          onConfirm: onRevoke,
        }}
      >
        Revoke
      </ConfirmButton>
    </Group>
  );
}
