import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { AppError } from '../errors.js';
import { type Forwarder, forwardTo, type McpEndpoint } from './stdio-bridge.js';

type Mode = 'local' | 'held' | 'remote';

/**
 * Sits between stdio and the in-process MCP server, and can move the session elsewhere without the client
 * noticing (a handover of DATA_DIR to `ainstruct serve`):
 * - `local`: messages go to the in-process server, each request after re-checking the caller. Over HTTP every
 *   request authenticates again, so revoking a token or deactivating its user stops it at once; a stdio
 *   connection lives as long as the desktop client, so it must do the same instead of trusting the check made
 *   at start.
 * - `held`: new messages wait in the queue (none is dropped) while the requests already given to the server
 *   finish and are answered, so the database can be closed without interrupting anything.
 * - `remote`: every message, the queued ones first, is posted to another owner's MCP endpoint, which checks the
 *   caller itself on every request.
 * Messages are handed on strictly in arrival order (a notification never overtakes a request being checked).
 */
export class HandoverTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private mode: Mode = 'local';
  private readonly pending: [JSONRPCMessage, MessageExtraInfo | undefined][] = [];
  private pumping: Promise<void> | undefined;
  /** Requests the in-process server was given and has not answered yet. */
  private readonly inFlight = new Set<RequestId>();
  private idleWaiters: (() => void)[] = [];
  private readonly initializing = new Set<RequestId>();
  /** What the in-process server answered to `initialize`: the remote must be told the same revision. */
  private protocolVersion: string | undefined;
  private forwarder: Forwarder | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly verify: () => Promise<unknown>,
    private readonly closed: () => void,
  ) {}

  start(): Promise<void> {
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => {
      void this.forwarder?.close().catch(() => {});
      this.onclose?.();
      this.closed();
    };
    this.inner.onmessage = (message, extra) => {
      this.pending.push([message, extra]);
      this.pump();
    };
    return this.inner.start();
  }

  /** Stops giving messages to the in-process server; resolves once every request it was given is answered. */
  async hold(): Promise<void> {
    this.mode = 'held';
    await this.pumping;
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Back to the in-process server, queued messages first (a handover that was called off). */
  resume(): void {
    if (this.mode !== 'held') return;
    this.mode = 'local';
    this.pump();
  }

  /** From now on, every message (the queued ones first) goes to `endpoint`. */
  async switchTo(endpoint: McpEndpoint): Promise<void> {
    this.forwarder = await forwardTo(endpoint, (message) => this.inner.send(message), this.protocolVersion);
    this.mode = 'remote';
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    // Set before the loop runs: a loop that finds nothing to do finishes synchronously, and must not leave a
    // settled promise behind that would keep every later pump from starting.
    let done = () => {};
    this.pumping = new Promise<void>((resolve) => {
      done = resolve;
    });
    void (async () => {
      try {
        while (this.mode !== 'held') {
          const next = this.pending.shift();
          if (!next) break;
          await this.route(...next);
        }
      } finally {
        this.pumping = undefined;
        done();
      }
    })();
  }

  private async route(message: JSONRPCMessage, extra: MessageExtraInfo | undefined): Promise<void> {
    if (this.mode === 'remote' && this.forwarder) return this.forwarder.send(message);
    if (isJSONRPCRequest(message)) {
      try {
        await this.verify();
      } catch (error) {
        const text = error instanceof AppError ? error.message : 'The credential could not be checked';
        await this.inner.send({ jsonrpc: '2.0', id: message.id, error: { code: -32001, message: text } });
        return;
      }
      // A 2026-era subscription stays open for the whole session and touches no data: waiting for its answer
      // would block every handover, so it is not counted (the new owner knows nothing of it).
      if (message.method !== 'subscriptions/listen') this.inFlight.add(message.id);
      if (message.method === 'initialize') this.initializing.add(message.id);
    } else if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      // A cancelled request may never be answered: do not wait for it.
      const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (id !== undefined) this.answered(id);
    }
    this.onmessage?.(message, extra);
  }

  private answered(id: RequestId): void {
    this.inFlight.delete(id);
    if (this.inFlight.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isJSONRPCResultResponse(message) && this.initializing.delete(message.id)) {
      const version = message.result.protocolVersion;
      if (typeof version === 'string') this.protocolVersion = version;
    }
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const sent = this.inner.send(message, options);
      // Answered once the answer is on its way to the client, so none is lost to a closing process.
      return sent.finally(() => {
        if (message.id !== undefined) this.answered(message.id);
      });
    }
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
