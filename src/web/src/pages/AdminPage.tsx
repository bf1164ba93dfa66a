import { Group, Loader, Pagination, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useSession } from '../api/session';
import { EmptyState } from '../components/EmptyState';
import { ErrorAlert } from '../components/ErrorAlert';
import { PageHeader } from '../components/PageHeader';
import { formatNumber } from '../lib/format';
import type { User } from './admin/admin-types';
import { UserDetailsDrawer } from './admin/UserDetailsDrawer';
import { UserTable } from './admin/UserTable';
import { ADMIN_PAGE_SIZE, useUserPage } from './admin/useAdminUsers';

function pageFrom(raw: string | null): number {
  const page = raw === null ? 1 : Number.parseInt(raw, 10);
  return Number.isFinite(page) && page >= 1 ? page : 1;
}

export default function AdminPage() {
  const { user: self } = useSession();
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const page = pageFrom(params.get('page'));
  const [typed, setTyped] = useState(query);
  const [debounced] = useDebouncedValue(typed, 300);
  const [selected, setSelected] = useState<User | null>(null);

  // Typing searches after a pause; a new search starts at its first page. Only a change of the typed text
  // writes the URL, so back/forward (which changes the URL) is not undone by a stale draft.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the debounced text changes, nothing else
  useEffect(() => {
    if (debounced.trim() === query.trim()) return;
    const next = new URLSearchParams(params);
    if (debounced.trim()) next.set('q', debounced.trim());
    else next.delete('q');
    next.delete('page');
    setParams(next, { replace: true });
  }, [debounced]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the URL, not the draft
  useEffect(() => {
    if (typed.trim() !== query.trim()) setTyped(query);
  }, [query]);

  const users = useUserPage(query, page);
  const total = users.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / ADMIN_PAGE_SIZE));
  const rows = users.data?.users ?? [];

  const goTo = (next: number) => {
    const nextParams = new URLSearchParams(params);
    if (next > 1) nextParams.set('page', String(next));
    else nextParams.delete('page');
    setParams(nextParams);
  };

  // Deleting the last user on the last page leaves it empty: step back to a page that has rows.
  useEffect(() => {
    if (users.isSuccess && rows.length === 0 && page > 1 && total > 0) goTo(pages);
  });

  return (
    <Stack gap="md">
      <PageHeader
        title="Admin"
        description="Manage users: status, role, what they own and how much they use."
      />
      <Group align="flex-end" justify="space-between" gap="sm">
        <TextInput
          label="Search users"
          placeholder="Username or email contains…"
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          maxLength={255}
          rightSection={users.isFetching ? <Loader size="xs" /> : null}
          style={{ flex: '1 1 260px', maxWidth: 420 }}
        />
        {users.isSuccess && (
          <Text size="sm" c="dimmed" role="status">
            {query ? `${formatNumber(total)} matching` : `${formatNumber(total)} users`} · page {page} of{' '}
            {pages}
          </Text>
        )}
      </Group>

      {users.isError && <ErrorAlert error={users.error} onRetry={() => void users.refetch()} />}
      {users.isPending && <Loader aria-label="Loading users" />}
      {users.isSuccess && rows.length === 0 && total === 0 && (
        <EmptyState
          title={query ? 'No user matches' : 'No users'}
          description={
            query
              ? `Nobody's username or email contains “${query}”. Check the spelling or clear the search.`
              : 'Users appear here once they register.'
          }
        />
      )}
      {rows.length > 0 && <UserTable users={rows} selfId={self?.user_id} onDetails={setSelected} />}
      {pages > 1 && (
        <Group justify="center">
          <Pagination
            total={pages}
            value={Math.min(page, pages)}
            onChange={goTo}
            siblings={1}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            getItemProps={(item) => ({ 'aria-label': `Page ${item}` })}
          />
        </Group>
      )}
      <UserDetailsDrawer user={selected} onClose={() => setSelected(null)} />
    </Stack>
  );
}
