import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { errorBody } from './errors.js';

/**
 * Errors Node's HTTP parser raises before a request exists (headers over the limit, a client that stalls, bytes
 * that are not HTTP). Fastify's default answers them in its own body shape; clients of this API parse
 * `{"detail": {code, message}}` everywhere, so they get that here too. The connection is closed afterwards:
 * the parser cannot resynchronise with a stream it failed to read.
 */
const PARSER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'Request headers are larger than the server accepts (16 KiB in all)',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    message: 'The request was not received in time',
  },
};

const MALFORMED = { status: 400, code: 'BAD_REQUEST', message: 'Malformed HTTP request' };

export function clientErrorHandler(
  this: { log: FastifyBaseLogger },
  error: NodeJS.ErrnoException,
  socket: Socket,
) {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer = (error.code ? PARSER_ERRORS[error.code] : undefined) ?? MALFORMED;
  this.log.debug({ code: error.code }, 'client error before routing');
  if (socket.writable) {
    const body = JSON.stringify(errorBody(answer.code, answer.message));
    socket.write(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
