import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientAuthenticator } from '../auth/failed-auth-budget.js';
import type { Principal } from '../auth/principal.js';
import { unauthorized } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the route has authenticated the caller. */
    principal: Principal | undefined;
    /** Resolves the caller from the Authorization header (401 when missing or invalid); cached per request. */
    authenticate(): Promise<Principal>;
  }
}

export function registerAuthentication(app: FastifyInstance, authenticator: ClientAuthenticator): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('authenticate', async function (this: FastifyRequest) {
    if (this.principal) return this.principal;
    const principal = await authenticator.authenticate(this.headers.authorization, this.ip);
    // OAuth access tokens are issued for the /mcp resource only (RFC 8707 audience); REST refuses them.
    if (principal.kind === 'oauth') {
      throw unauthorized('INVALID_TOKEN', 'OAuth access tokens are only accepted at /mcp');
    }
    this.principal = principal;
    return principal;
  });
}
