import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../api/session';
import { PageLoader } from './PageLoader';

/** Where to go back to after logging in: only a path on this site. */
export function safeNext(value: string | null | undefined): string {
  if (
    !value?.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\') ||
    value.startsWith('/login')
  ) {
    return '/dashboard';
  }
  return value;
}

/** Pages that need a login: waits for the session restore, then sends strangers to /login?next=… */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { ready, user } = useSession();
  const location = useLocation();
  if (!ready) return <PageLoader label="Restoring your session…" standalone />;
  if (!user) {
    const next = `${location.pathname}${location.search}`;
    const query = next === '/' || next === '/dashboard' ? '' : `?next=${encodeURIComponent(next)}`;
    return <Navigate to={`/login${query}`} replace />;
  }
  return children;
}

export function RequireSuperuser({ children }: { children: ReactNode }) {
  const { user } = useSession();
  if (!user?.is_superuser) return <Navigate to="/dashboard" replace />;
  return children;
}

/** Login and register: a signed-in user goes straight on. */
export function GuestOnly({ children }: { children: ReactNode }) {
  const { ready, user } = useSession();
  const location = useLocation();
  if (!ready) return <PageLoader label="Restoring your session…" standalone />;
  if (user) return <Navigate to={safeNext(new URLSearchParams(location.search).get('next'))} replace />;
  return children;
}
