import { Skeleton, Stack, Title } from '@mantine/core';
import type { UseMutationResult, UseQueryResult } from '@tanstack/react-query';
import { useState } from 'react';
import type { Message } from '../../api/types';
import { EmptyState } from '../../components/EmptyState';
import { ErrorAlert } from '../../components/ErrorAlert';
import { notifyError, notifySuccess } from '../../components/notify';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { RotateModal, type RotateTarget } from './RotateModal';
import { CreatedCell, ExpiresCell, LabelCell, LastUsedCell, TokenActions } from './TokenCells';
import { type Cat, KIND_NAMES, type Pat, type TokenKind, type TokenList } from './token-types';
import type { Rotation } from './useTokenMutations';

interface Props<T extends Pat | Cat> {
  kind: TokenKind;
  heading: string;
  query: UseQueryResult<TokenList<T>>;
  tokenId: (token: T) => string;
  /** The kind's own columns, shown between the label and the dates. */
  columns: Column<T>[];
  minWidth: number;
  empty: { title: string; description: string };
  maxDays: number | undefined;
  rotate: UseMutationResult<T & { token: string }, Error, Rotation>;
  revoke: UseMutationResult<Message, Error, string>;
  onRotated: (token: T & { token: string }) => void;
}

/** One kind of token: its list with rotate and revoke on each row, and the rotate dialog. */
export function TokenListSection<T extends Pat | Cat>({
  kind,
  heading,
  query,
  tokenId,
  columns,
  minWidth,
  empty,
  maxDays,
  rotate,
  revoke,
  onRotated,
}: Props<T>) {
  const [rotating, setRotating] = useState<RotateTarget | null>(null);
  const tokens = query.data?.tokens ?? [];
  const titleId = `${kind}-list-title`;
  return (
    <Stack gap="xs" component="section" aria-labelledby={titleId}>
      <Title order={2} size="h4" id={titleId}>
        {heading}
      </Title>
      {query.isPending && <Skeleton h={120} aria-label="Loading tokens" />}
      {query.isError && <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />}
      {query.isSuccess && tokens.length === 0 && (
        <EmptyState title={empty.title} description={empty.description} />
      )}
      {tokens.length > 0 && (
        <ResponsiveTable
          label={heading}
          rows={tokens}
          rowKey={tokenId}
          minWidth={minWidth}
          rowStyle={(token) => (token.is_active ? undefined : { opacity: 0.65 })}
          title={{ header: 'Label', cell: (token) => <LabelCell token={token} /> }}
          columns={[
            ...columns,
            { header: 'Created', cell: (token) => <CreatedCell token={token} /> },
            { header: 'Expires', cell: (token) => <ExpiresCell token={token} /> },
            { header: 'Last used', cell: (token) => <LastUsedCell token={token} /> },
          ]}
          actions={(token) => (
            <TokenActions
              token={token}
              kindName={KIND_NAMES[kind]}
              onRotate={() => {
                rotate.reset();
                setRotating({ id: tokenId(token), label: token.label });
              }}
              revoking={revoke.isPending && revoke.variables === tokenId(token)}
              onRevoke={() =>
                revoke.mutate(tokenId(token), {
                  onSuccess: () => notifySuccess(`“${token.label}” was revoked.`),
                  onError: (error) => notifyError(error, 'Could not revoke the token'),
                })
              }
            />
          )}
        />
      )}

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
                onRotated(token);
              },
            },
          );
        }}
      />
    </Stack>
  );
}
