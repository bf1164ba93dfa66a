import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NO_ISSUER_MESSAGE, oauthError } from './errors.js';
import { AUTHORIZATION_SERVER_METADATA_PATH, CONSENT_PREFIX, OAUTH_PREFIX, OAUTH_ROUTES } from './paths.js';
import type { OAuthServers } from './servers.js';

/** oidc-provider serves its metadata at the OpenID location; RFC 8414's is the one MCP clients read. */
const PROVIDER_DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * The endpoints and methods oidc-provider serves with the features enabled; anything else would get its
 * plain-text 404, so it is answered here in the RFC 6749 shape instead.
 */
const SERVED: [path: string, methods: string[], withId: string[]][] = [
  // `/authorize/<uid>` resumes an interaction.
  [OAUTH_ROUTES.authorization, ['GET', 'POST'], ['GET', 'POST']],
  [OAUTH_ROUTES.token, ['POST'], []],
  // `/register/<id>` is RFC 7592 client management (with the registration access token).
  [OAUTH_ROUTES.registration, ['POST'], ['GET', 'PUT', 'DELETE']],
  [OAUTH_ROUTES.revocation, ['POST'], []],
  [OAUTH_ROUTES.jwks, ['GET'], []],
  [OAUTH_ROUTES.end_session, ['GET', 'POST'], []],
  [OAUTH_ROUTES.pushed_authorization_request, ['POST'], []],
];

function isProviderEndpoint(method: string, url: string): boolean {
  const pathname = url.split('?')[0] ?? '';
  const verb = method === 'HEAD' ? 'GET' : method;
  return SERVED.some(
    ([route, methods, withId]) =>
      (pathname === route && methods.includes(verb)) ||
      (pathname.startsWith(`${route}/`) &&
        !pathname.slice(route.length + 1).includes('/') &&
        withId.includes(verb)),
  );
}

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
    // oidc-provider builds its endpoint URLs from the request's host and protocol: present the request as
    // addressed to the issuer (PUBLIC_URL behind a proxy), never as whatever Host or X-Forwarded-* said.
    const issuer = new URL(provider.issuer);
    const headers = request.raw.headers;
    headers.host = issuer.host;
    headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    delete headers['x-forwarded-host'];
    delete headers.forwarded;
    provider.callback()(request.raw, reply.raw);
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    // What Fastify itself refuses here (the unstorable-text check, rate limits, bad URLs) answers in the
    // RFC 6749 error shape too, never a 5xx: everything reaching this scope is a client's request.
    scope.setErrorHandler((error: FastifyError & { error_description?: string }, _request, reply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      const description = error.error_description ?? error.message ?? 'Invalid request';
      if (status === 429) return reply.code(429).send(oauthError('temporarily_unavailable', description));
      return reply.code(status).send(oauthError('invalid_request', description));
    });

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
        if (!isProviderEndpoint(request.method, request.url)) {
          return reply.code(404).send(oauthError('invalid_request', 'No such OAuth endpoint or method'));
        }
        return forward(request, reply);
      },
    });
  });
}
