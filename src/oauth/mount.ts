import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NO_ISSUER_MESSAGE, oauthError } from './errors.js';
import { AUTHORIZATION_SERVER_METADATA_PATH, CONSENT_PREFIX, OAUTH_PREFIX, OAUTH_ROUTES } from './paths.js';
import type { OAuthServers } from './servers.js';

/** oidc-provider serves its metadata at the OpenID location; RFC 8414's is the one MCP clients read. */
const PROVIDER_DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * Hands /oauth/* (and the RFC 8414 metadata) to oidc-provider's own Node handler. The scope has a content-type
 * parser that reads nothing, so the library parses the bodies itself; the reply is hijacked after the headers
 * Fastify's hooks set so far (helmet, request id) are copied over.
 */
export async function mountOAuth(
  app: FastifyInstance,
  servers: OAuthServers,
  options: { registerPerHour: number },
): Promise<void> {
  const forward = async (request: FastifyRequest, reply: FastifyReply, rewriteTo?: string) => {
    const provider = await servers.providerFor(request);
    if (!provider) return reply.code(400).send(oauthError('invalid_request', NO_ISSUER_MESSAGE));
    reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    if (rewriteTo) request.raw.url = rewriteTo;
    provider.callback()(request.raw, reply.raw);
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));

    scope.get(AUTHORIZATION_SERVER_METADATA_PATH, { schema: { hide: true } }, (request, reply) =>
      forward(request, reply, PROVIDER_DISCOVERY_PATH),
    );
    // Registration is unauthenticated and creates rows: limited per client IP.
    scope.route({
      method: ['POST'],
      url: OAUTH_ROUTES.registration,
      schema: { hide: true },
      config: {
        rateLimit: {
          max: options.registerPerHour,
          timeWindow: 3_600_000,
          keyGenerator: (request: FastifyRequest) => `oauth-register:${request.ip}`,
          errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) => ({
            statusCode: 429,
            ...oauthError(
              'temporarily_unavailable',
              `Too many client registrations; retry in ${Math.ceil(context.ttl / 1000)} s`,
            ),
          }),
        },
      },
      handler: (request, reply) => forward(request, reply),
    });
    scope.route({
      method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: `${OAUTH_PREFIX}/*`,
      schema: { hide: true },
      handler: (request, reply) => {
        if (request.url.startsWith(CONSENT_PREFIX)) return reply.callNotFound();
        return forward(request, reply);
      },
    });
  });
}
