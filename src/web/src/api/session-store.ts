import { errorFromResponse, networkError } from './errors';
import type { User, WebSession } from './types';

/**
 * The login session, kept only in this module's memory: the access token never touches localStorage or
 * sessionStorage, so a script injected into the page cannot lift it from storage, and a reload restores the
 * session from the httpOnly refresh cookie instead.
 */
export const SESSION_BASE = '/api/v1/auth/web';
/** Sent with every session call; the server requires it against cross-site requests. */
export const CSRF_HEADERS = { 'X-Requested-With': 'ainstruct' } as const;
/** Refresh this long before the access token runs out. */
const REFRESH_MARGIN_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 5_000;

export interface SessionState {
  /** False until the first restore attempt (refresh from the cookie) has finished. */
  ready: boolean;
  user: User | null;
}

let accessToken: string | null = null;
let state: SessionState = { ready: false, user: null };
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

function publish(next: SessionState) {
  state = next;
  for (const listener of listeners) listener();
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const getSessionState = (): SessionState => state;
export const getAccessToken = (): string | null => accessToken;

function schedule(expiresInSeconds: number) {
  clearTimeout(refreshTimer);
  const lifetime = expiresInSeconds * 1000;
  // Short-lived tokens (a test setup with 1-minute tokens) are refreshed half-way instead of constantly.
  const delay = Math.max(
    MIN_REFRESH_DELAY_MS,
    lifetime > 2 * REFRESH_MARGIN_MS ? lifetime - REFRESH_MARGIN_MS : lifetime / 2,
  );
  refreshTimer = setTimeout(() => void refreshSession(), delay);
}

export function startSession(session: WebSession) {
  accessToken = session.access_token;
  schedule(session.expires_in);
  publish({ ready: true, user: session.user });
}

export function updateUser(user: User) {
  publish({ ...state, user });
}

export function endSession() {
  clearTimeout(refreshTimer);
  accessToken = null;
  publish({ ready: true, user: null });
}

async function sessionCall(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${SESSION_BASE}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      ...init,
      headers: { ...CSRF_HEADERS, ...init.headers },
    });
  } catch (cause) {
    throw networkError(cause);
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

async function doRefresh(): Promise<boolean> {
  let response: Response;
  try {
    response = await sessionCall('/refresh');
  } catch {
    // Offline: keep the current token (it may still be valid) and try again shortly.
    if (accessToken) schedule(MIN_REFRESH_DELAY_MS / 1000 + REFRESH_MARGIN_MS / 1000);
    else publish({ ready: true, user: null });
    return accessToken !== null;
  }
  if (!response.ok) {
    endSession();
    return false;
  }
  startSession((await response.json()) as WebSession);
  return true;
}

/**
 * A new access token from the refresh cookie. Concurrent callers (several queries hitting 401 at once, the
 * timer) share one request, because the server rotates the cookie and a second refresh would present a
 * token that is already spent.
 */
export function refreshSession(): Promise<boolean> {
  inFlight ??= doRefresh().finally(() => {
    inFlight = null;
  });
  return inFlight;
}

export async function logIn(username: string, password: string): Promise<User> {
  const response = await sessionCall('/login', {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await readJson(response);
  if (!response.ok) throw errorFromResponse(response.status, body, response.statusText);
  const session = body as WebSession;
  startSession(session);
  return session.user;
}

export async function logOut(): Promise<void> {
  const token = accessToken;
  endSession();
  // Best effort: the local session is gone either way.
  await sessionCall('/logout', token ? { headers: { Authorization: `Bearer ${token}` } } : {}).catch(
    () => undefined,
  );
}
