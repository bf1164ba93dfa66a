import type { Authenticator } from '../auth/authenticate.js';
import { OPERATOR, type Principal } from '../auth/principal.js';
import { CAT_PREFIX, PAT_PREFIX } from '../auth/secrets.js';
import { unauthorized } from '../errors.js';
import type { Services } from '../services.js';

/**
 * The one identity a local MCP process (`ainstruct mcp`) acts as: a PAT or CAT, verified like any bearer
 * token so its scope and permission apply exactly as over HTTP, or a local user named by the local
 * administrator (`--user`: that user's full rights, like `ainstruct import --user`).
 */
export type StdioIdentity = { token: string } | { user: string };

export function describeIdentity(identity: StdioIdentity): string {
  return 'token' in identity ? 'AINSTRUCT_TOKEN' : `user "${identity.user}"`;
}

/** Resolves the identity against the database (throws AppError when the token or user is not valid). */
export function resolveIdentity(
  deps: { authenticator: Authenticator; services: Pick<Services, 'users'> },
  identity: StdioIdentity,
): Promise<Principal> {
  if ('user' in identity) return deps.services.users.actAs({ principal: OPERATOR, login: identity.user });
  // OAuth access tokens are bound to one HTTP resource (RFC 8707) and JWTs last minutes: neither is a
  // credential to leave in a desktop client's configuration.
  if (!identity.token.startsWith(PAT_PREFIX) && !identity.token.startsWith(CAT_PREFIX)) {
    return Promise.reject(
      unauthorized(
        'INVALID_TOKEN',
        `AINSTRUCT_TOKEN must be a personal access token (${PAT_PREFIX}…) or a collection access token (${CAT_PREFIX}…)`,
      ),
    );
  }
  return deps.authenticator.authenticate(`Bearer ${identity.token}`);
}
