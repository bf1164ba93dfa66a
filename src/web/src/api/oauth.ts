import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queryString } from './client';
import { KEY, useUserKey } from './keys';

/** What an OAuth grant lets a client do: the same choices as a PAT (account) or a CAT (one collection). */
export type OAuthAccess = 'read' | 'read_write';

export interface OAuthChoice {
  access: OAuthAccess;
  /** null: the whole account. */
  collection_id: string | null;
}

export interface OAuthClientInfo {
  client_id: string;
  client_name: string;
  /** The host of the client_id (a metadata-document URL) or of its redirect URI: where the client really is. */
  client_host: string;
  redirect_uri: string;
  client_uri: string | null;
  logo_uri: string | null;
  registration: 'metadata_document' | 'dynamic';
}

export interface OAuthInteraction {
  uid: string;
  client: OAuthClientInfo;
  requested_scopes: string[];
  resource: string;
  previous_grant: OAuthChoice | null;
}

export interface OAuthGrant {
  id: string;
  client_id: string;
  client_name: string;
  client_host: string;
  access: OAuthAccess;
  collection_id: string | null;
  collection_name: string | null;
  created_at: string;
  last_used_at: string | null;
}

export interface OAuthGrantList {
  grants: OAuthGrant[];
  total: number;
}

const interactionPath = (uid: string) => `/oauth/interactions/${encodeURIComponent(uid)}`;

export function useInteraction(uid: string) {
  const key = useUserKey();
  return useQuery({
    queryKey: key('oauth-interaction', uid),
    queryFn: () => api.get<OAuthInteraction>(interactionPath(uid)),
    // An interaction is used once; a retry or a refetch on focus would only repeat a 404.
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
}

/** Approve or deny: both answer where the browser goes next (oidc-provider, then the client). */
export function useInteractionDecision(uid: string) {
  return useMutation({
    meta: { errorHandled: true },
    mutationFn: (decision: { approve: OAuthChoice } | { deny: true }) =>
      'approve' in decision
        ? api.post<{ redirect_to: string }>(`${interactionPath(uid)}/approve`, decision.approve)
        : api.post<{ redirect_to: string }>(`${interactionPath(uid)}/deny`),
  });
}

export function useGrants(page: { limit: number; offset: number }) {
  const key = useUserKey();
  return useQuery({
    queryKey: key(KEY.oauthGrants, page),
    queryFn: () => api.get<OAuthGrantList>(`/oauth/grants${queryString(page)}`),
    placeholderData: (previous) => previous,
  });
}

export function useDisconnectGrant() {
  const queryClient = useQueryClient();
  const key = useUserKey();
  return useMutation({
    meta: { errorHandled: true },
    mutationFn: (id: string) => api.del<undefined>(`/oauth/grants/${encodeURIComponent(id)}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key(KEY.oauthGrants) }),
  });
}
