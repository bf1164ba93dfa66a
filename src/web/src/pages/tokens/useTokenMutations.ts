import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { KEY, useUserKey } from '../../api/keys';
import type { Message } from '../../api/types';
import type { CatPermission, CatWithSecret, PatWithSecret, TokenKind } from './token-types';

export interface PatCreate {
  label: string;
  expires_in_days?: number;
  scopes?: ('read' | 'write')[];
}

export interface CatCreate {
  label: string;
  collection_id: string;
  permission: CatPermission;
  expires_in_days?: number;
}

export interface Rotation {
  id: string;
  label?: string;
  expires_in_days?: number;
}

const base = (kind: TokenKind) => `/auth/${kind}`;

/** Create, rotate and revoke for one kind of token; each refreshes the lists and the dashboard counts. */
export function useTokenMutations<T extends PatWithSecret | CatWithSecret>(kind: TokenKind) {
  const queryClient = useQueryClient();
  const key = useUserKey();
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: key(kind === 'pat' ? KEY.pats : KEY.cats) }),
      // A collection's CAT count is shown on the collections page.
      kind === 'cat' ? queryClient.invalidateQueries({ queryKey: key(KEY.collections) }) : undefined,
    ]);

  const create = useMutation({
    mutationFn: (body: PatCreate | CatCreate) => api.post<T>(base(kind), body),
    onSuccess: invalidate,
    // Forms show create/rotate errors inline; revoke reports its own failure with the token's name.
    meta: { errorHandled: true },
  });
  const rotate = useMutation({
    mutationFn: ({ id, ...body }: Rotation) =>
      api.post<T>(`${base(kind)}/${encodeURIComponent(id)}/rotate`, body),
    onSuccess: invalidate,
    meta: { errorHandled: true },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.del<Message>(`${base(kind)}/${encodeURIComponent(id)}`),
    onSuccess: invalidate,
    meta: { errorHandled: true },
  });
  return { create, rotate, revoke };
}
