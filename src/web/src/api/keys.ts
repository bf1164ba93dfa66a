import { useSession } from './session';

/**
 * Query keys start with the signed-in user's id, so one user's cached data can never answer another user's
 * query in the same browser (the cache is also cleared on logout).
 */
export function useUserKey(): (...parts: unknown[]) => unknown[] {
  const { user } = useSession();
  const userId = user?.user_id ?? 'anonymous';
  return (...parts: unknown[]) => ['user', userId, ...parts];
}

/** Prefixes used to invalidate every variant of a list after a change. */
export const KEY = {
  collections: 'collections',
  documents: 'documents',
  document: 'document',
  job: 'job',
  pats: 'pats',
  cats: 'cats',
  usage: 'usage',
  oauthGrants: 'oauth-grants',
} as const;
