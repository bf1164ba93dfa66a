import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useSyncExternalStore,
} from 'react';
import { api } from './client';
import { getSessionState, logIn, logOut, refreshSession, subscribe, updateUser } from './session-store';
import type { User } from './types';

export interface SessionValue {
  /** False while the session is being restored from the cookie at start-up. */
  ready: boolean;
  user: User | null;
  login(username: string, password: string): Promise<User>;
  logout(): Promise<void>;
  refreshProfile(): Promise<User | null>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const { ready, user } = useSyncExternalStore(subscribe, getSessionState);

  useEffect(() => {
    if (!getSessionState().ready) void refreshSession();
  }, []);

  // Whenever the signed-in user changes (logout, expiry, another account), nothing cached for the previous
  // one may stay visible.
  const previousUser = useRef<string | null>(null);
  const userId = user?.user_id ?? null;
  useEffect(() => {
    if (previousUser.current !== null && previousUser.current !== userId) queryClient.clear();
    previousUser.current = userId;
  }, [userId, queryClient]);

  const login = useCallback(
    async (username: string, password: string) => {
      queryClient.clear();
      return logIn(username, password);
    },
    [queryClient],
  );

  const logout = useCallback(async () => {
    await logOut();
    queryClient.clear();
  }, [queryClient]);

  const refreshProfile = useCallback(async () => {
    try {
      const profile = await api.get<User>('/auth/profile');
      updateUser(profile);
      return profile;
    } catch {
      // A lost session is handled by the client (refresh, then back to login); anything else is transient.
      return null;
    }
  }, []);

  const value = useMemo(
    () => ({ ready, user, login, logout, refreshProfile }),
    [ready, user, login, logout, refreshProfile],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

/** The signed-in user, for pages behind the login guard. */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('This page needs a signed-in user');
  return user;
}
