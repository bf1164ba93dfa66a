import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the route has authenticated the caller. */
    principal: Principal | undefined;
    /** Resolves the caller from the Authorization header (401 when missing or invalid); cached per request. */
    authenticate(): Promise<Principal>;
  }
}

export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('authenticate', async function (this: FastifyRequest) {
    this.principal ??= await authenticator.authenticate(this.headers.authorization);
    return this.principal;
  });
}
