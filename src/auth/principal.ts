/**
 * 'cli' is the local operator acting as one user through the command line (import); 'operator' is the local
 * operator acting for the installation (creating the first superuser, migrations, re-indexing). Neither is ever
 * a network credential: they exist only in processes that may open the database files.
 */
export type CredentialKind = 'jwt' | 'pat' | 'cat' | 'oauth' | 'cli' | 'operator';
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
  /** The session id (JWT), PAT id, CAT id or OAuth grant id; used for per-credential rate limits and last_used. */
  credentialId: string;
  /** Set for CATs and collection OAuth grants: the one collection the token reaches, and how. */
  collection?: { id: string; permission: CatPermission };
  /** Set for OAuth access tokens: the resource (`<issuer>/mcp`) the token was issued for. */
  audience?: string;
}

export function scopesForCatPermission(permission: CatPermission): Scope[] {
  return permission === 'read_write' ? ['read', 'write'] : ['read'];
}

/**
 * The installation's operator: administers users and the database, and, owning no collection (its user id
 * belongs to nobody), can see no document.
 */
export const OPERATOR: Principal = Object.freeze({
  userId: '00000000-0000-0000-0000-000000000000',
  username: 'operator',
  isSuperuser: true,
  kind: 'operator' as const,
  scopes: Object.freeze(['read', 'write', 'admin'] as const),
  credentialId: 'operator',
});

/** The local operator acting as `user` (e.g. `ainstruct import --user`): exactly that user's rights. */
export function operatorActingAs(user: { id: string; username: string; isSuperuser: boolean }): Principal {
  return {
    userId: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
    kind: 'cli',
    scopes: ['read', 'write'],
    credentialId: 'cli',
  };
}
