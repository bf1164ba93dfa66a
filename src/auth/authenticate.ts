import type { Database } from '../db/client.js';
import { unauthorized } from '../errors.js';
import { tokensRepository } from '../modules/tokens/tokens.repository.js';
import { sessionsRepository } from '../modules/users/sessions.repository.js';
import { usersRepository } from '../modules/users/users.repository.js';
import { oauthRepository } from '../oauth/oauth.repository.js';
import { storedId } from '../oauth/stored-ids.js';
import type { JwtService } from './jwt.js';
import type { LastUsedTracker } from './last-used.js';
import { type Principal, type Scope, scopesForCatPermission } from './principal.js';
import { CAT_PREFIX, PAT_PREFIX, sha256Hex } from './secrets.js';

export interface Authenticator {
  /** Resolves an Authorization header to a principal, or throws 401. */
  authenticate(header: string | undefined): Promise<Principal>;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : (/^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? undefined);
}

const isExpired = (expiresAt: Date | null) => expiresAt !== null && expiresAt.getTime() <= Date.now();
const invalid = () => unauthorized('INVALID_TOKEN', 'Invalid or expired token');

/**
 * Every credential is checked against the database on every request: the user must exist and be active, the
 * token must exist and be unexpired, a JWT's session must not be revoked. So deactivating a user, revoking a
 * token or logging out takes effect immediately, on every instance.
 */
export function createAuthenticator(deps: {
  db: Database;
  jwt: JwtService;
  lastUsed: LastUsedTracker;
  /** Whether OAuth access tokens are accepted (OAUTH_ENABLED). */
  oauthEnabled?: boolean;
}): Authenticator {
  const { db, jwt, lastUsed } = deps;
  const oauthEnabled = deps.oauthEnabled ?? true;

  async function fromPat(secret: string): Promise<Principal> {
    const found = await tokensRepository.findPatByHash(db, sha256Hex(secret));
    if (!found || isExpired(found.token.expiresAt) || !found.user.isActive) throw invalid();
    await lastUsed.record('pat', found.token.id);
    return {
      userId: found.user.id,
      username: found.user.username,
      isSuperuser: found.user.isSuperuser,
      kind: 'pat',
      scopes: found.token.scopes.filter((s): s is Scope => s === 'read' || s === 'write'),
      credentialId: found.token.id,
    };
  }

  async function fromCat(secret: string): Promise<Principal> {
    const found = await tokensRepository.findCatByHash(db, sha256Hex(secret));
    if (!found || isExpired(found.token.expiresAt) || !found.owner.isActive) throw invalid();
    await lastUsed.record('cat', found.token.id);
    return {
      userId: found.owner.id,
      username: found.owner.username,
      isSuperuser: false,
      kind: 'cat',
      scopes: scopesForCatPermission(found.token.permission),
      credentialId: found.token.id,
      collection: { id: found.collection.id, permission: found.token.permission },
    };
  }

  /**
   * An oidc-provider access token (opaque, stored by its adapter). Its grant row and user are read on every
   * use, so a disconnected, revoked or deactivated grant stops at once. The Principal is the PAT's (whole
   * account) or CAT's (one collection) of the same access; the transport checks `audience`.
   */
  async function fromOAuth(token: string): Promise<Principal> {
    if (!oauthEnabled || token.length > 200) throw invalid();
    const stored = await oauthRepository.findModel(db, 'AccessToken', { id: storedId('AccessToken', token) });
    const grantId = stored?.payload.grantId;
    if (!stored || typeof grantId !== 'string' || isExpired(stored.expiresAt)) throw invalid();
    const expiresAt = stored.payload.exp;
    if (typeof expiresAt === 'number' && expiresAt * 1000 <= Date.now()) throw invalid();
    const live = await oauthRepository.findLiveGrant(db, grantId);
    if (!live || live.grant.userId !== stored.payload.accountId) throw invalid();
    await lastUsed.record('oauth', grantId);
    const { grant, user } = live;
    const audience = stored.payload.aud;
    return {
      userId: user.id,
      username: user.username,
      isSuperuser: grant.collectionId ? false : user.isSuperuser,
      kind: 'oauth',
      scopes: scopesForCatPermission(grant.access),
      credentialId: grant.id,
      ...(grant.collectionId ? { collection: { id: grant.collectionId, permission: grant.access } } : {}),
      ...(typeof audience === 'string' ? { audience } : {}),
    };
  }

  async function fromJwt(token: string): Promise<Principal> {
    const claims = await jwt.verifyAccess(token);
    if (!claims) throw invalid();
    const [user, session] = await Promise.all([
      usersRepository.findById(db, claims.sub),
      sessionsRepository.findById(db, claims.sid),
    ]);
    if (!user?.isActive || !session || session.userId !== user.id || session.revokedAt) throw invalid();
    return {
      userId: user.id,
      username: user.username,
      isSuperuser: user.isSuperuser,
      kind: 'jwt',
      scopes: user.isSuperuser ? ['read', 'write', 'admin'] : ['read', 'write'],
      credentialId: session.id,
    };
  }

  return {
    async authenticate(header) {
      const token = bearerToken(header);
      if (!token)
        throw unauthorized('UNAUTHORIZED', 'Authentication required: send Authorization: Bearer <token>');
      if (token.startsWith(PAT_PREFIX)) return fromPat(token);
      if (token.startsWith(CAT_PREFIX)) return fromCat(token);
      if (token.split('.').length === 3) return fromJwt(token);
      return fromOAuth(token);
    },
  };
}
