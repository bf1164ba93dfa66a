import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { bearerToken } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { type ControlHandler, sendJson } from '../db/data-dir-owner.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { McpCaller } from './caller.js';
import { jsonRpcError, MCP_PATH } from './http.js';
import { clientFeatures } from './register.js';
import { buildTools, createMcpServer } from './server.js';
import { resolveIdentity, type StdioIdentity } from './stdio-identity.js';

/** Names the local user an `ainstruct mcp --user` bridge acts as (only on the owner-key-checked socket). */
export const ACT_AS_HEADER = 'x-ainstruct-act-as';

function identityOf(request: IncomingMessage): StdioIdentity | undefined {
  const user = request.headers[ACT_AS_HEADER];
  if (typeof user === 'string' && user) return { user };
  const token = bearerToken(request.headers.authorization);
  return token ? { token } : undefined;
}

/**
 * MCP at `/mcp` on the control socket of the process owning an embedded DATA_DIR, for `ainstruct mcp` run while
 * a server owns it. The caller already proved it holds the owner key (it may read the database files), so it
 * may act as a named local user, as every other command-line operation may; with a token instead, the token
 * is verified like any bearer token. Either way each request gets the same per-caller server as HTTP's /mcp.
 */
export function ownerMcpHandler(deps: { ctx: AppContext; services: Services }): ControlHandler {
  const { ctx, services } = deps;
  const tools = buildTools(ctx.config);
  const mcpDeps = { services, config: ctx.config, log: ctx.log };
  const onerror = (error: Error) =>
    ctx.log.debug({ err: error }, 'MCP request rejected by the protocol layer');
  const serve = toNodeHandler(
    createMcpHandler(
      ({ authInfo, era, requestInfo }) =>
        createMcpServer(McpCaller.from(authInfo), mcpDeps, tools, clientFeatures(era, requestInfo)),
      { onerror, maxRequestBodySize: ctx.config.MAX_BODY_BYTES },
    ),
    { onerror, maxRequestBodySize: ctx.config.MAX_BODY_BYTES },
  );
  return (request: IncomingMessage, response: ServerResponse) => {
    const identity = identityOf(request);
    if (!identity) return sendJson(response, 401, jsonRpcError('Name a token or a user to act as'));
    void (async () => {
      let principal: Principal;
      try {
        principal = await resolveIdentity({ authenticator: ctx.authenticator, services }, identity);
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        return sendJson(response, 401, jsonRpcError(error.message));
      }
      const caller = new McpCaller(principal, `owner-${randomUUID()}`);
      await serve(Object.assign(request, { auth: caller.toAuthInfo('') }), response);
    })().catch((error: unknown) => {
      ctx.log.error({ err: error }, 'MCP over the control socket failed');
      if (!response.headersSent) sendJson(response, 500, jsonRpcError('Internal error; see the server log'));
      else response.destroy();
    });
  };
}

/** True for a control request addressed to ownerMcpHandler. */
export const isOwnerMcpRequest = (request: IncomingMessage) => (request.url ?? '').split('?')[0] === MCP_PATH;
