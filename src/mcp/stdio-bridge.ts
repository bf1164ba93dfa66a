import { request } from 'node:http';
import { Readable } from 'node:stream';
import { Client, type FetchLike, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { VERSION } from '../version.js';

/**
 * Stdio to a Streamable HTTP MCP endpoint: every message from the local client is posted as it is, every
 * answer written back as it is. The endpoint authenticates each request and decides everything, so this side
 * holds no tools and no rules; it works for a remote server (`--url`) and for the server owning the local
 * DATA_DIR (over its control socket) alike.
 */

export interface McpEndpoint {
  url: URL;
  /** Sent with every request (the bearer token, or the owner key and whom to act as). */
  headers: Record<string, string>;
  /** How to reach it; default: the global fetch. */
  fetch?: FetchLike;
  /** Named in errors: "https://host/mcp", "the server (pid 12)". */
  description: string;
}

function transportTo(endpoint: McpEndpoint): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(endpoint.url, {
    requestInit: { headers: endpoint.headers },
    ...(endpoint.fetch ? { fetch: endpoint.fetch } : {}),
  });
}

/**
 * Opens one MCP session with the endpoint before serving, so a refused or revoked token, a wrong URL or a
 * server that is down is reported (and the process exits non-zero) before a client is told tools exist.
 */
export async function checkEndpoint(endpoint: McpEndpoint): Promise<void> {
  const client = new Client({ name: 'ainstruct-mcp-bridge', version: VERSION });
  try {
    await client.connect(transportTo(endpoint));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${endpoint.description} refused the MCP connection: ${reason}`);
  } finally {
    await client.close().catch(() => {});
  }
}

/** Where forwarded messages go: `send` posts one (an unanswerable request gets an error answer). */
export interface Forwarder {
  send(message: JSONRPCMessage): void;
  close(): Promise<void>;
}

/**
 * Posts messages to the endpoint and hands every answer to `reply`. A 2025-era client's later requests carry
 * the revision it negotiated in an MCP-Protocol-Version header; the SDK's Client sets it on its transport
 * after initialize, so this does what that Client would: from an initialize it forwards, or from
 * `protocolVersion` when the client negotiated it elsewhere (with the in-process server, before a handover).
 */
export async function forwardTo(
  endpoint: McpEndpoint,
  reply: (message: JSONRPCMessage) => Promise<void>,
  protocolVersion?: string,
): Promise<Forwarder> {
  const remote = transportTo(endpoint);
  const initializing = new Set<RequestId>();
  remote.onmessage = (message) => {
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      const version = message.result.protocolVersion;
      if (typeof version === 'string') remote.setProtocolVersion(version);
    }
    void reply(message).catch(() => {});
  };
  remote.onerror = (error) => process.stderr.write(`MCP bridge: ${endpoint.description}: ${error.message}\n`);
  await remote.start();
  if (protocolVersion) remote.setProtocolVersion(protocolVersion);
  return {
    send(message) {
      if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id);
      remote.send(message).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        process.stderr.write(`MCP bridge: ${endpoint.description}: ${reason}\n`);
        if (isJSONRPCRequest(message)) {
          void reply({
            jsonrpc: '2.0',
            id: message.id,
            error: { code: -32603, message: `${endpoint.description} did not answer: ${reason}` },
          }).catch(() => {});
        }
      });
    },
    close: () => remote.close(),
  };
}

/** Forwards stdin/stdout to the endpoint until the local client closes stdin. */
export async function bridgeStdio(endpoint: McpEndpoint): Promise<void> {
  const local = new StdioServerTransport();
  const remote = await forwardTo(endpoint, (message) => local.send(message));
  return new Promise<void>((resolve) => {
    local.onmessage = (message) => remote.send(message);
    local.onerror = (error) => process.stderr.write(`MCP stdio: ${error.message}\n`);
    local.onclose = () => {
      void remote.close().finally(resolve);
    };
    void local.start();
  });
}

/**
 * `fetch` over a local socket (the owner's control channel is an HTTP server on a Unix socket or named pipe,
 * which the global fetch cannot reach). Bodies are the SDK's JSON strings; the answer streams, for SSE.
 */
export function socketFetch(socketPath: string): FetchLike {
  return (url, init) => {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      return Promise.reject(new TypeError('socketFetch sends string bodies only'));
    }
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        {
          socketPath,
          path: `${target.pathname}${target.search}`,
          method: init?.method ?? 'GET',
          headers,
          ...(init?.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
              responseHeaders.append(name, one);
            }
          }
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 205 || status === 304;
          if (empty) res.resume();
          const stream = empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
          resolve(new Response(stream, { status, headers: responseHeaders }));
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  };
}
