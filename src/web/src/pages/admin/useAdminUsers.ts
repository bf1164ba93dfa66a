import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from '../../api/client';
import { useUserKey } from '../../api/keys';
import type { Message } from '../../api/types';
import type { MonthUsage, UsageHistory, User, UserChange, UserDetail, UserList } from './admin-types';

export const ADMIN_PAGE_SIZE = 25;
const ADMIN = 'admin';

/** One page of users; with a query, only those whose username or email contains it. */
export function useUserPage(query: string, page: number) {
  const key = useUserKey();
  const offset = (page - 1) * ADMIN_PAGE_SIZE;
  const search = query.trim();
  return useQuery({
    queryKey: key(ADMIN, 'users', search, page),
    queryFn: () =>
      api.get<UserList>(
        search
          ? `/admin/users/search${queryString({ query: search, limit: ADMIN_PAGE_SIZE, offset })}`
          : `/admin/users${queryString({ limit: ADMIN_PAGE_SIZE, offset })}`,
      ),
    // Paging and typing keep the previous rows visible instead of flashing an empty table.
    placeholderData: keepPreviousData,
  });
}

export function useUserDetail(userId: string | null) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(ADMIN, 'user', userId),
    queryFn: () => api.get<UserDetail>(`/admin/users/${encodeURIComponent(userId ?? '')}`),
    enabled: userId !== null,
  });
}

export function useUserUsage(userId: string | null) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(ADMIN, 'usage', userId),
    queryFn: () => api.get<MonthUsage>(`/admin/usage/${encodeURIComponent(userId ?? '')}`),
    enabled: userId !== null,
  });
}

export function useUserUsageHistory(userId: string | null, months: number) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(ADMIN, 'usage-history', userId, months),
    queryFn: () =>
      api.get<UsageHistory>(
        `/admin/usage/${encodeURIComponent(userId ?? '')}/history${queryString({ months })}`,
      ),
    enabled: userId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  const key = useUserKey();
  return useMutation({
    mutationFn: ({ userId, change }: { userId: string; change: UserChange }) =>
      api.patch<User>(`/admin/users/${encodeURIComponent(userId)}`, change),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key(ADMIN) }),
    // UserActions names the user in its own error notification.
    meta: { errorHandled: true },
  });
}

export function useDeleteUser() {
  const queryClient = useQueryClient();
  const key = useUserKey();
  return useMutation({
    mutationFn: (userId: string) => api.del<Message>(`/admin/users/${encodeURIComponent(userId)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key(ADMIN) }),
    // UserActions names the user in its own error notification.
    meta: { errorHandled: true },
  });
}
