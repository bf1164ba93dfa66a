import {
  Badge,
  Button,
  Checkbox,
  Group,
  Paper,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { usePats } from '../../api/dashboard';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notifyError, notifySuccess } from '../../components/notify';
import { ResponsiveTable } from '../../components/ResponsiveTable';
import { ExpiryInput, expiryField } from './ExpiryInput';
import { RotateModal, type RotateTarget } from './RotateModal';
import { CreatedCell, ExpiresCell, LabelCell, LastUsedCell, TokenActions } from './TokenCells';
import type { IssuedToken, PatWithSecret } from './token-types';
import { useTokenMutations } from './useTokenMutations';

interface Props {
  maxDays: number | undefined;
  onIssued: (issued: IssuedToken) => void;
}

const issuedFrom = (token: PatWithSecret, rotated: boolean): IssuedToken => ({
  kind: 'pat',
  label: token.label,
  token: token.token,
  expires_at: token.expires_at,
  rotated,
});

export function PatPanel({ maxDays, onIssued }: Props) {
  const pats = usePats();
  const { create, rotate, revoke } = useTokenMutations<PatWithSecret>('pat');
  const [label, setLabel] = useState('');
  const [days, setDays] = useState<number | ''>('');
  const [readOnly, setReadOnly] = useState(false);
  const [rotating, setRotating] = useState<RotateTarget | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { label: label.trim(), ...expiryField(days), ...(readOnly ? { scopes: ['read'] } : {}) },
      {
        onSuccess: (token) => {
          setLabel('');
          setDays('');
          setReadOnly(false);
          onIssued(issuedFrom(token, false));
        },
      },
    );
  };

  const tokens = pats.data?.tokens ?? [];
  return (
    <Stack gap="lg">
      <Paper withBorder p="md" component="section" aria-labelledby="pat-create-title">
        <form onSubmit={submit}>
          <Stack gap="sm">
            <Title order={2} size="h4" id="pat-create-title">
              New personal access token
            </Title>
            <Text size="sm" c="dimmed">
              A PAT acts as you on every collection, over REST and MCP. For one collection, use a collection
              access token instead.
            </Text>
            <Group align="flex-start" gap="sm" grow preventGrowOverflow={false} wrap="wrap">
              <TextInput
                label="Label"
                placeholder="e.g. Claude Code on my laptop"
                required
                maxLength={100}
                value={label}
                onChange={(e) => setLabel(e.currentTarget.value)}
                style={{ minWidth: 220 }}
              />
              <ExpiryInput value={days} onChange={setDays} maxDays={maxDays} />
            </Group>
            <Checkbox
              label="Read-only (can search and read, cannot change anything)"
              checked={readOnly}
              onChange={(e) => setReadOnly(e.currentTarget.checked)}
            />
            <ErrorAlert error={create.error} />
            <Group>
              <Button type="submit" loading={create.isPending} disabled={label.trim() === ''}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>

      <Stack gap="xs" component="section" aria-labelledby="pat-list-title">
        <Title order={2} size="h4" id="pat-list-title">
          Your personal access tokens
        </Title>
        {pats.isPending && <Skeleton h={120} aria-label="Loading tokens" />}
        {pats.isError && <ErrorAlert error={pats.error} onRetry={() => void pats.refetch()} />}
        {pats.isSuccess && tokens.length === 0 && (
          <EmptyState
            title="No personal access tokens yet"
            description="Create one above to connect an MCP client (Claude Code, Cursor, VS Code…) or a script to your documents."
          />
        )}
        {tokens.length > 0 && (
          <ResponsiveTable
            label="Your personal access tokens"
            rows={tokens}
            rowKey={(token) => token.pat_id}
            minWidth={760}
            rowStyle={(token) => (token.is_active ? undefined : { opacity: 0.65 })}
            title={{ header: 'Label', cell: (token) => <LabelCell token={token} /> }}
            columns={[
              {
                header: 'Scopes',
                cell: (token) => (
                  <Group gap={4}>
                    {token.scopes.map((scope) => (
                      <Badge
                        key={scope}
                        size="sm"
                        variant="light"
                        color={scope === 'write' ? 'orange' : 'blue'}
                      >
                        {scope}
                      </Badge>
                    ))}
                  </Group>
                ),
              },
              { header: 'Created', cell: (token) => <CreatedCell token={token} /> },
              { header: 'Expires', cell: (token) => <ExpiresCell token={token} /> },
              { header: 'Last used', cell: (token) => <LastUsedCell token={token} /> },
            ]}
            actions={(token) => (
              <TokenActions
                token={token}
                kindName="personal access token"
                onRotate={() => {
                  rotate.reset();
                  setRotating({ id: token.pat_id, label: token.label });
                }}
                revoking={revoke.isPending && revoke.variables === token.pat_id}
                onRevoke={() =>
                  revoke.mutate(token.pat_id, {
                    onSuccess: () => notifySuccess(`“${token.label}” was revoked.`),
                    onError: (error) => notifyError(error, 'Could not revoke the token'),
                  })
                }
              />
            )}
          />
        )}
      </Stack>

      <RotateModal
        target={rotating}
        maxDays={maxDays}
        pending={rotate.isPending}
        error={rotate.error}
        onClose={() => setRotating(null)}
        onSubmit={(change) => {
          if (!rotating) return;
          rotate.mutate(
            { id: rotating.id, ...change },
            {
              onSuccess: (token) => {
                setRotating(null);
                onIssued(issuedFrom(token, true));
              },
            },
          );
        }}
      />
    </Stack>
  );
}
