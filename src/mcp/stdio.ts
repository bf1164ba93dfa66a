import {
  isJSONRPCRequest,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../errors.js';
import { McpCaller } from './caller.js';
import { createMcpServer } from './server.js';
import type { McpDeps, McpTool } from './tool.js';

/**
 * Stdio in front of a transport that re-checks the caller before each request is handled. Over HTTP every
 * request authenticates again, so revoking a token or deactivating its user stops it at once; a stdio
 * connection lives as long as the desktop client, so it must do the same instead of trusting the check made
 * at start. Messages are handed on in arrival order (a notification never overtakes a request being checked).
 */
class ReverifyingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private queue = Promise.resolve();

  constructor(
    private readonly inner: Transport,
    private readonly verify: () => Promise<unknown>,
    private readonly closed: () => void,
  ) {}

  start(): Promise<void> {
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => {
      this.onclose?.();
      this.closed();
    };
    this.inner.onmessage = (message, extra) => {
      this.queue = this.queue.then(() => this.deliver(message, extra));
    };
    return this.inner.start();
  }

  private async deliver(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): Promise<void> {
    if (isJSONRPCRequest(message)) {
      try {
        await this.verify();
      } catch (error) {
        const text = error instanceof AppError ? error.message : 'The credential could not be checked';
        await this.inner.send({ jsonrpc: '2.0', id: message.id, error: { code: -32001, message: text } });
        return;
      }
    }
    this.onmessage?.(message, extra);
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Serves the MCP tools of this process's services over stdin/stdout to one identity. The tools come from the
 * same factory as HTTP's, filtered by the same principal, so a CAT over stdio lists exactly what it lists over
 * HTTP. `identify` resolves the identity again (throwing AppError when it is no longer valid); it is called
 * before every request. Resolves when the client closes stdin.
 */
export function serveMcpOverStdio(input: {
  principal: Principal;
  identify: () => Promise<Principal>;
  deps: McpDeps;
  tools: McpTool[];
}): Promise<void> {
  return new Promise<void>((resolve) => {
    const transport = new ReverifyingTransport(new StdioServerTransport(), input.identify, resolve);
    let connection = 0;
    serveStdio(
      ({ era }) =>
        createMcpServer(new McpCaller(input.principal, `stdio-${++connection}`), input.deps, input.tools, {
          // The factory runs before a 2025-era handshake has settled its revision, and resource links only
          // exist from 2025-06-18 on (older clients reject unknown blocks): only 2026-era clients get them.
          resourceLinks: era === 'modern',
        }),
      { transport, onerror: (error) => process.stderr.write(`MCP stdio: ${error.message}\n`) },
    );
  });
}
