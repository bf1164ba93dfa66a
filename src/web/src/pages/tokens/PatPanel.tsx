import { Badge, Checkbox, Group, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { usePats } from '../../api/dashboard';
import { ExpiryInput, expiryField } from './ExpiryInput';
import { TokenCreateForm } from './TokenCreateForm';
import { TokenListSection } from './TokenListSection';
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

  const submit = () =>
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

  return (
    <Stack gap="lg">
      <TokenCreateForm
        kind="pat"
        title="New personal access token"
        intro="A PAT acts as you on every collection, over REST and MCP. For one collection, use a collection access token instead."
        onSubmit={submit}
        error={create.error}
        pending={create.isPending}
        canSubmit={label.trim() !== ''}
      >
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
      </TokenCreateForm>

      <TokenListSection
        kind="pat"
        heading="Your personal access tokens"
        query={pats}
        tokenId={(token) => token.pat_id}
        minWidth={760}
        empty={{
          title: 'No personal access tokens yet',
          description:
            'Create one above to connect an MCP client (Claude Code, Cursor, VS Code…) or a script to your documents.',
        }}
        columns={[
          {
            header: 'Scopes',
            cell: (token) => (
              <Group gap={4}>
                {token.scopes.map((scope) => (
                  <Badge key={scope} size="sm" variant="light" color={scope === 'write' ? 'orange' : 'blue'}>
                    {scope}
                  </Badge>
                ))}
              </Group>
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
