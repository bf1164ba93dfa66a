import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import pino from 'pino';

/**
 * The log goes to stdout through an asynchronous writer: a request never waits for the terminal or a pipe to
 * take its line (pino flushes what is buffered when the process exits). One writer per process, however many
 * apps it builds (the tests build many).
 */
let stdout: pino.DestinationStream | undefined;
export function asyncStdout(): pino.DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false });
  return stdout;
}

/** The log of a process whose stdout carries a protocol (`ainstruct mcp`): the same lines, on stderr. */
export function syncStderr(): pino.DestinationStream {
  return pino.destination({ dest: 2, sync: true });
}

/**
 * One line per request, written when the response has gone, instead of Fastify's two (and its separate
 * "route not found" line): at `debug` normally, so a production log at the default `info` holds what needs
 * attention rather than every read; at `info` for client errors (few, and often worth seeing: probes, broken
 * clients), at `warn` for a request slower than `slowMs`, at `error` for a server error (its cause is logged
 * by the error handler).
 */
export class RequestLog extends LogController {
  constructor(private readonly slowMs: number) {
    super();
  }

  override incomingRequest(): void {}

  override routeNotFound(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    const ms = Math.round(reply.elapsedTime);
    const slow = ms >= this.slowMs;
    const level = error || status >= 500 ? 'error' : slow ? 'warn' : status >= 400 ? 'info' : 'debug';
    reply.log[level](
      { method: request.method, url: request.url, status, ms, ...(error ? { err: error } : {}) },
      slow ? 'slow request' : 'request',
    );
  }
}
