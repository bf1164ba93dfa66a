import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { API_PREFIX } from '../http/openapi.js';
import { createGrantsService } from './grants.service.js';
import { createInteractionsService } from './interactions.service.js';
import { mountOAuth } from './mount.js';
import { oauthRoutes } from './oauth.routes.js';
import { OAuthServers } from './servers.js';
import { startSweeper } from './sweeper.js';

/**
 * The OAuth authorization server: oidc-provider under /oauth, the consent and connected-clients APIs under
 * /api/v1/oauth, and the periodic sweep of expired rows. Returns the servers (for the MCP metadata).
 */
export async function registerOAuth(app: FastifyInstance, ctx: AppContext): Promise<OAuthServers> {
  const { config, db } = ctx;
  const servers = new OAuthServers({ config, db, cookieKey: ctx.oauthCookieKey });
  await mountOAuth(app, servers, { registerPerHour: config.RATE_LIMIT_OAUTH_REGISTER_PER_HOUR });
  await app.withTypeProvider<ZodTypeProvider>().register(
    oauthRoutes({
      servers,
      interactions: createInteractionsService(ctx),
      grants: createGrantsService(ctx),
    }),
    { prefix: API_PREFIX },
  );
  const stop = startSweeper(db, 600, (error) => ctx.log.warn({ err: error }, 'sweeping OAuth rows failed'));
  app.addHook('onClose', async () => stop());
  return servers;
}
