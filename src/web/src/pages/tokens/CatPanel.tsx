import { Anchor, Badge, Group, Select, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useCollections } from '../../api/collections';
import { useCats } from '../../api/dashboard';
import { CollectionSelect } from '../../components/CollectionSelect';
import { EmptyState } from '../../components/EmptyState';
import { ExpiryInput, expiryField } from './ExpiryInput';
import { TokenCreateForm } from './TokenCreateForm';
import { TokenListSection } from './TokenListSection';
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

  const submit = () => {
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
  return (
    <Stack gap="lg">
      <TokenCreateForm
        kind="cat"
        title="New collection access token"
        intro="A CAT reaches one collection only: give it to an agent or teammate that should see nothing else."
        onSubmit={submit}
        error={create.error}
        pending={create.isPending}
        canSubmit={label.trim() !== '' && collectionId !== null}
        unavailable={
          noCollections ? (
            <EmptyState
              title="No collection yet"
              description="A collection access token belongs to a collection. Create a collection first."
              action={
                <Anchor component={Link} to="/collections">
                  Go to collections
                </Anchor>
              }
            />
          ) : undefined
        }
      >
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
      </TokenCreateForm>

      <TokenListSection
        kind="cat"
        heading="Collection access tokens"
        query={cats}
        tokenId={(token) => token.cat_id}
        minWidth={860}
        empty={{
          title: 'No collection access tokens yet',
          description: 'Create one above to give an MCP client access to a single collection.',
        }}
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
        ]}
        maxDays={maxDays}
        rotate={rotate}
        revoke={revoke}
        onRotated={(token) => onIssued(issuedFrom(token, true))}
      />
    </Stack>
  );
}
