import { Radio, Stack, Text } from '@mantine/core';
import type { OAuthAccess } from '../../api/oauth';
import { CollectionSelect } from '../../components/CollectionSelect';

export type ScopeTarget = 'account' | 'collection';

interface Props {
  target: ScopeTarget;
  onTarget: (target: ScopeTarget) => void;
  collectionId: string | null;
  onCollection: (id: string | null) => void;
  access: OAuthAccess;
  onAccess: (access: OAuthAccess) => void;
  /** Shown under the collection select when approving was tried without a collection. */
  collectionError?: string;
}

/** What the person grants: the same choices a PAT (whole account) or a CAT (one collection) carries. */
export function ScopeChoice(props: Props) {
  const { target, onTarget, collectionId, onCollection, access, onAccess, collectionError } = props;
  return (
    <Stack gap="md">
      <Radio.Group
        label="Give access to"
        value={target}
        onChange={(value) => onTarget(value === 'collection' ? 'collection' : 'account')}
      >
        <Stack gap="xs" mt={6}>
          <Radio value="account" label="My whole account (every collection)" />
          <Radio value="collection" label="One collection only" />
        </Stack>
      </Radio.Group>
      {target === 'collection' && (
        <CollectionSelect
          label="Collection"
          value={collectionId}
          onChange={onCollection}
          error={collectionError}
          required
        />
      )}
      <Radio.Group
        label="Allowed to"
        value={access}
        onChange={(value) => onAccess(value === 'read_write' ? 'read_write' : 'read')}
      >
        <Stack gap="xs" mt={6}>
          <Radio
            value="read"
            label="Read only"
            description="Search and read documents; cannot change anything."
          />
          <Radio
            value="read_write"
            label="Read and write"
            description={
              <Text span size="xs" c="orange.8">
                Also create, change and delete{' '}
                {target === 'account' ? 'anything in your account' : 'its documents'}.
              </Text>
            }
          />
        </Stack>
      </Radio.Group>
    </Stack>
  );
}
