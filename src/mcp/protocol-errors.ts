import { type McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Clean JSON-RPC errors for requests the SDK's own schemas refuse. The SDK answers, for example, an
 * `initialize` or `resources/read` with malformed params with -32603 Internal error and the zod issue list
 * dumped as JSON into the message, and a malformed `tools/call` with -32602 and the same dump. Every request
 * handler of the per-request server is wrapped so such a refusal becomes -32602 Invalid params with one line
 * per bad parameter, and any other unexpected failure becomes a logged -32603 that names only the request id.
 */

type RequestHandler = (request: unknown, ctx: unknown) => Promise<unknown>;

interface ZodIssueLike {
  path: (string | number)[];
  message: string;
}

function isIssueList(value: unknown): value is ZodIssueLike[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (issue) =>
        typeof issue === 'object' &&
        issue !== null &&
        Array.isArray((issue as ZodIssueLike).path) &&
        typeof (issue as ZodIssueLike).message === 'string',
    )
  );
}

/** A zod issue list serialized into a message (alone or after a "prefix: "), as "field: why" lines. */
export function issueSummary(message: string): string | undefined {
  const start = message.indexOf('[');
  if (start === -1) return undefined;
  let issues: unknown;
  try {
    issues = JSON.parse(message.slice(start));
  } catch {
    return undefined;
  }
  if (!isIssueList(issues)) return undefined;
  return issues
    .map((issue) => {
      // The request's own envelope (`params`) is implied; name the parameter inside it.
      const path = issue.path[0] === 'params' ? issue.path.slice(1) : issue.path;
      return `${path.length > 0 ? path.join('.') : 'params'}: ${issue.message.replace(/^Invalid input: /, '')}`;
    })
    .join('; ');
}

function cleanError(error: unknown, method: string, log: FastifyBaseLogger, requestId: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const summary = issueSummary(message);
  if (summary !== undefined) {
    return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: ${summary}`);
  }
  if (error instanceof ProtocolError) return error;
  log.error({ err: error, method, reqId: requestId }, 'MCP request failed');
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    `Internal server error (request id ${requestId})`,
  );
}

/**
 * Wraps every request handler registered so far on the server (call it once all tools and resources are
 * registered). The handler table is the SDK's, not public API: if a future SDK renames it nothing is wrapped,
 * and the protocol-error tests say so.
 */
export function cleanProtocolErrors(server: McpServer, log: FastifyBaseLogger, requestId: string): void {
  const handlers = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers;
  if (!(handlers instanceof Map)) return;
  for (const [method, handler] of handlers as Map<string, RequestHandler>) {
    handlers.set(method, async (request: unknown, ctx: unknown) => {
      try {
        return await handler(request, ctx);
      } catch (error) {
        throw cleanError(error, method, log, requestId);
      }
    });
  }
}
