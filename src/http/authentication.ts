import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientAuthenticator } from '../auth/failed-auth-budget.js';
import type { Principal } from '../auth/principal.js';

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
    this.principal ??= await authenticator.authenticate(this.headers.authorization, this.ip);
    return this.principal;
  });
}
