/** 'cli' is a local operator acting as a user through the command line (import), never a network credential. */
export type CredentialKind = 'jwt' | 'pat' | 'cat' | 'cli';
export type Scope = 'read' | 'write' | 'admin';
export type CatPermission = 'read' | 'read_write';

/** Who is calling, resolved from a credential and checked against the database on every request. */
export interface Principal {
  userId: string;
  username: string;
  /** Live from the database, never a stale claim. */
  isSuperuser: boolean;
  kind: CredentialKind;
  scopes: readonly Scope[];
  /** The session id (JWT), PAT id or CAT id; used for per-credential rate limits and last_used. */
  credentialId: string;
  /** Set for CATs only: the one collection the token reaches, and how. */
  collection?: { id: string; permission: CatPermission };
}

export function scopesForCatPermission(permission: CatPermission): Scope[] {
  return permission === 'read_write' ? ['read', 'write'] : ['read'];
}
