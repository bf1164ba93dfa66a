import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../auth/authenticate.js';
import type { ClientAuthenticator } from '../auth/failed-auth-budget.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { AppError, RateLimitedError } from '../errors.js';
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
 * 2026-era requests carry their revision in the envelope; a 2025-era client names its revision in the
 * MCP-Protocol-Version header from 2025-06-18 on, and sends none before that.
 */
function clientFeatures(era: 'legacy' | 'modern', request: Request | undefined): ClientFeatures {
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
  deps: { ctx: AppContext; services: Services; authenticator: ClientAuthenticator },
): Promise<void> {
  const { ctx, services, authenticator } = deps;
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
    protectedResourceMetadata(baseUrl(request, config)),
  );

  await app.register(async (scope) => {
    // The SDK reads the body itself: its size limit, its JSON-RPC parse errors, its content-type answers.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    scope.route({
      method: ['GET', 'POST', 'DELETE'],
      url: MCP_PATH,
      schema: { hide: true },
      handler: async (request, reply) => {
        if (!originAllowed(request, trusted)) {
          return reply.code(403).send(jsonRpcError('Forbidden: requests from this Origin are not accepted'));
        }
        let principal: Principal;
        try {
          principal = await authenticator.authenticate(request.headers.authorization, request.ip);
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
            .header('www-authenticate', bearerChallenge(metadataUrl, error))
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
          await serve(Object.assign(request.raw, { auth: caller.toAuthInfo(token) }), reply.raw);
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
