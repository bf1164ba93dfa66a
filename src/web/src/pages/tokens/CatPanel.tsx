import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Select,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useCollections } from '../../api/collections';
import { useCats } from '../../api/dashboard';
import { CollectionSelect } from '../../components/CollectionSelect';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notifyError, notifySuccess } from '../../components/notify';
import { ResponsiveTable } from '../../components/ResponsiveTable';
import { ExpiryInput, expiryField } from './ExpiryInput';
import { RotateModal, type RotateTarget } from './RotateModal';
import { CreatedCell, ExpiresCell, LabelCell, LastUsedCell, TokenActions } from './TokenCells';
import type { CatPermission, CatWithSecret, IssuedToken } from './token-types';
import { useTokenMutations } from './useTokenMutations';

interface Props {
  maxDays: number | undefined;
  onIssued: (issued: IssuedToken) => void;
}

const PERMISSIONS: { value: CatPermission; label: string }[] = [
  { value: 'read_write', label: 'Read and write' },
  { value: 'read', label: 'Read only' },
];
const permissionLabel = (permission: CatPermission) =>
  PERMISSIONS.find((p) => p.value === permission)?.label ?? permission;

const issuedFrom = (token: CatWithSecret, rotated: boolean): IssuedToken => ({
  kind: 'cat',
  label: `${token.label} (${token.collection_name})`,
  token: token.token,
  expires_at: token.expires_at,
  rotated,
});

export function CatPanel({ maxDays, onIssued }: Props) {
  const cats = useCats();
  const collections = useCollections();
  const { create, rotate, revoke } = useTokenMutations<CatWithSecret>('cat');
  const [label, setLabel] = useState('');
  const [collectionId, setCollectionId] = useState<string | null>(null);
  const [permission, setPermission] = useState<CatPermission>('read_write');
  const [days, setDays] = useState<number | ''>('');
  const [rotating, setRotating] = useState<RotateTarget | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!collectionId) return;
    create.mutate(
      { label: label.trim(), collection_id: collectionId, permission, ...expiryField(days) },
      {
        onSuccess: (token) => {
          setLabel('');
          setDays('');
          onIssued(issuedFrom(token, false));
        },
      },
    );
  };

  const noCollections = collections.isSuccess && collections.data.length === 0;
  const tokens = cats.data?.tokens ?? [];
  return (
    <Stack gap="lg">
      <Paper withBorder p="md" component="section" aria-labelledby="cat-create-title">
        <form onSubmit={submit}>
          <Stack gap="sm">
            <Title order={2} size="h4" id="cat-create-title">
              New collection access token
            </Title>
            <Text size="sm" c="dimmed">
              A CAT reaches one collection only: give it to an agent or teammate that should see nothing else.
            </Text>
            {noCollections ? (
              <EmptyState
                title="No collection yet"
                description="A collection access token belongs to a collection. Create a collection first."
                action={
                  <Anchor component={Link} to="/collections">
                    Go to collections
                  </Anchor>
                }
              />
            ) : (
              <>
                <Group align="flex-start" gap="sm" grow preventGrowOverflow={false} wrap="wrap">
                  <TextInput
                    label="Label"
                    placeholder="e.g. Research agent"
                    required
                    maxLength={100}
                    value={label}
                    onChange={(e) => setLabel(e.currentTarget.value)}
                    style={{ minWidth: 200 }}
                  />
                  <CollectionSelect
                    value={collectionId}
                    onChange={setCollectionId}
                    required
                    style={{ minWidth: 200 }}
                  />
                </Group>
                <Group align="flex-start" gap="sm" grow preventGrowOverflow={false} wrap="wrap">
                  <Select
                    label="Permission"
                    data={PERMISSIONS}
                    value={permission}
                    onChange={(value) => value && setPermission(value as CatPermission)}
                    allowDeselect={false}
                    style={{ minWidth: 200 }}
                  />
                  <ExpiryInput value={days} onChange={setDays} maxDays={maxDays} />
                </Group>
                <ErrorAlert error={create.error} />
                <Group>
                  <Button
                    type="submit"
                    loading={create.isPending}
                    disabled={label.trim() === '' || collectionId === null}
                  >
                    Create token
                  </Button>
                </Group>
              </>
            )}
          </Stack>
        </form>
      </Paper>

      <Stack gap="xs" component="section" aria-labelledby="cat-list-title">
        <Title order={2} size="h4" id="cat-list-title">
          Collection access tokens
        </Title>
        {cats.isPending && <Skeleton h={120} aria-label="Loading tokens" />}
        {cats.isError && <ErrorAlert error={cats.error} onRetry={() => void cats.refetch()} />}
        {cats.isSuccess && tokens.length === 0 && (
          <EmptyState
            title="No collection access tokens yet"
            description="Create one above to give an MCP client access to a single collection."
          />
        )}
        {tokens.length > 0 && (
          <ResponsiveTable
            label="Collection access tokens"
            rows={tokens}
            rowKey={(token) => token.cat_id}
            minWidth={860}
            rowStyle={(token) => (token.is_active ? undefined : { opacity: 0.65 })}
            title={{ header: 'Label', cell: (token) => <LabelCell token={token} /> }}
            columns={[
              {
                header: 'Collection',
                cell: (token) => (
                  <Anchor
                    component={Link}
                    to={`/documents?collection_id=${encodeURIComponent(token.collection_id)}`}
                    size="sm"
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {token.collection_name}
                  </Anchor>
                ),
              },
              {
                header: 'Permission',
                cell: (token) => (
                  <Badge
                    size="sm"
                    variant="light"
                    color={token.permission === 'read' ? 'blue' : 'orange'}
                    tt="none"
                  >
                    {permissionLabel(token.permission)}
                  </Badge>
                ),
              },
              { header: 'Created', cell: (token) => <CreatedCell token={token} /> },
              { header: 'Expires', cell: (token) => <ExpiresCell token={token} /> },
              { header: 'Last used', cell: (token) => <LastUsedCell token={token} /> },
            ]}
            actions={(token) => (
              <TokenActions
                token={token}
                kindName="collection access token"
                onRotate={() => {
                  rotate.reset();
                  setRotating({ id: token.cat_id, label: token.label });
                }}
                revoking={revoke.isPending && revoke.variables === token.cat_id}
                onRevoke={() =>
                  revoke.mutate(token.cat_id, {
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
