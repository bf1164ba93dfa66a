import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { type AuthInfo, createMcpHandler } from '@modelcontextprotocol/server';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/authenticate.js';
import type { ClientAuthenticator } from '../auth/failed-auth-budget.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError, RateLimitedError, unauthorized } from '../errors.js';
import { answerAfterDrain } from '../http/body-limit.js';
import { OAUTH_SCOPES } from '../oauth/paths.js';
import type { Services } from '../services.js';
import { McpCaller } from './caller.js';
import {
  baseUrl,
  bearerChallenge,
  configuredOrigins,
  jsonRpcError,
  MCP_PATH,
  originAllowed,
  protectedResourceMetadata,
  RESOURCE_METADATA_PATH,
} from './http.js';
import { buildTools, createMcpServer } from './server.js';
import type { ClientFeatures } from './tool.js';

/**
 * The request as the SDK's Node adapter reads it: the original's method, URL and headers, and the body bytes
 * Fastify has already read (the adapter only iterates the stream; it never touches the socket).
 */
function replay(raw: IncomingMessage, body: Buffer | undefined, auth: AuthInfo) {
  const stream = Readable.from(body && body.length > 0 ? [body] : []);
  const request = Object.assign(stream, { headers: raw.headers, method: raw.method, url: raw.url, auth });
  return request as unknown as IncomingMessage & { auth: AuthInfo };
}

/**
 * 2026-era requests carry their revision in the envelope; a 2025-era client names its revision in the
 * MCP-Protocol-Version header from 2025-06-18 on, and sends none before that.
 */
export function clientFeatures(era: 'legacy' | 'modern', request: Request | undefined): ClientFeatures {
  const version = request?.headers.get('mcp-protocol-version') ?? '';
  return { resourceLinks: era === 'modern' || version >= '2025-06-18' };
}

/**
 * Streamable HTTP at /mcp, stateless: every request is authenticated here, then served by a fresh server
 * built for that caller, so any instance can answer any request. One handler serves both protocol
 * generations: the SDK answers 2026-era requests directly and 2025-era ones (initialize, then plain JSON-RPC
 * posts) through its stateless fallback, from the same factory.
 */
export async function registerMcp(
  app: FastifyInstance,
  deps: {
    ctx: AppContext;
    services: Services;
    authenticator: ClientAuthenticator;
    /** The OAuth issuer of a request's origin, when this server is one for it. */
    oauthIssuer?: (request: FastifyRequest) => string | undefined;
  },
): Promise<void> {
  const { ctx, services, authenticator } = deps;
  const oauthIssuer = deps.oauthIssuer ?? (() => undefined);
  const { config, log } = ctx;
  const tools = buildTools(config);
  const mcpDeps = { services, config, log };
  const onerror = (error: Error) => log.debug({ err: error }, 'MCP request rejected by the protocol layer');
  const handler = createMcpHandler(
    ({ authInfo, era, requestInfo }) =>
      createMcpServer(McpCaller.from(authInfo), mcpDeps, tools, clientFeatures(era, requestInfo)),
    {
      onerror,
      maxRequestBodySize: config.MAX_BODY_BYTES,
    },
  );
  const serve = toNodeHandler(handler, { onerror, maxRequestBodySize: config.MAX_BODY_BYTES });
  const trusted = configuredOrigins(config);
  app.addHook('onClose', () => handler.close());

  app.get(RESOURCE_METADATA_PATH, { schema: { hide: true } }, async (request) =>
    protectedResourceMetadata(baseUrl(request, config), oauthIssuer(request)),
  );

  await app.register(async (scope) => {
    // Fastify reads the bytes, bounded by MAX_BODY_BYTES like every other route, so an over-long body gets the
    // same drained 413 (here in JSON-RPC shape); the SDK still parses them: its JSON-RPC parse errors, its
    // content-type answers.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error;
      const message = `Payload Too Large: Request body must not exceed ${config.MAX_BODY_BYTES} bytes`;
      return answerAfterDrain(request.raw, reply, 413, jsonRpcError(message));
    });

    scope.route({
      method: ['GET', 'POST', 'DELETE'],
      url: MCP_PATH,
      schema: { hide: true },
      handler: async (request, reply) => {
        if (!originAllowed(request, trusted)) {
          return reply.code(403).send(jsonRpcError('Forbidden: requests from this Origin are not accepted'));
        }
        let principal: Principal;
        const issuer = oauthIssuer(request);
        try {
          principal = await authenticator.authenticate(request.headers.authorization, request.ip);
          // RFC 8707: an OAuth token is good only for the resource it was issued for, this origin's /mcp.
          if (principal.kind === 'oauth' && (!issuer || principal.audience !== `${issuer}${MCP_PATH}`)) {
            throw unauthorized('INVALID_TOKEN', 'This token was issued for another resource');
          }
        } catch (error) {
          if (error instanceof RateLimitedError) {
            return reply
              .code(429)
              .header('retry-after', String(error.retryAfterSeconds))
              .send(jsonRpcError(error.message));
          }
          if (!(error instanceof AppError) || error.status !== 401) throw error;
          const metadataUrl = `${baseUrl(request, config)}${RESOURCE_METADATA_PATH}`;
          return reply
            .code(401)
            .header(
              'www-authenticate',
              bearerChallenge(metadataUrl, error, issuer ? OAUTH_SCOPES.join(' ') : undefined),
            )
            .send({ error: 'invalid_token', error_description: error.message });
        }
        request.principal = principal;
        const caller = new McpCaller(principal, request.id);

        // From here the SDK writes the response; carry over the headers Fastify's hooks have set so far.
        reply.hijack();
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (value !== undefined) reply.raw.setHeader(name, value);
        }
        reply.raw.setHeader('x-request-id', request.id);
        const token = bearerToken(request.headers.authorization) ?? '';
        try {
          const body = Buffer.isBuffer(request.body) ? request.body : undefined;
          await serve(replay(request.raw, body, caller.toAuthInfo(token)), reply.raw);
        } catch (error) {
          // toNodeHandler answers its own failures; this only catches a broken socket mid-response.
          log.warn({ err: error, reqId: request.id }, 'MCP response failed');
          if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
          else reply.raw.destroy();
        }
      },
    });
  });
}
