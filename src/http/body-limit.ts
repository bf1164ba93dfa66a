import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';

/**
 * What is left of an over-long request body is read and thrown away before the 413 is sent. Answering while
 * the client is still sending makes the server close a socket with unread data, which resets the connection:
 * many clients then report "connection reset" and never show the 413. Bounded, so a client that keeps sending
 * cannot keep the server reading: past the bound the answer goes out anyway and the connection closes.
 * Resolves true when the whole body was read, so the connection can stay open for the next request.
 */
/**
 * Drains the body, then sends the answer; closes the connection unless the body was read to its end.
 */
export async function answerAfterDrain(
  raw: IncomingMessage,
  reply: FastifyReply,
  status: number,
  body: unknown,
) {
  // Fastify marks every body-parsing failure `connection: close`; a body read to its end needs no such thing.
  if (await drainBody(raw)) reply.removeHeader('connection');
  else {
    reply.header('connection', 'close');
    lingerAfterAnswer(raw.socket);
  }
  return reply.code(status).send(body);
}

/** How long a connection whose client is still sending stays half-open after the answer. */
const LINGER_MILLISECONDS = 2_000;

/**
 * Node closes a `connection: close` socket with `destroySoon()` once the answer is written. With the client
 * still sending, that close resets the connection, and a reset can wipe the answer the client has not read
 * yet. Instead only our side is closed (FIN after the answer) and incoming bytes are still read and dropped
 * for a moment, until the client hangs up or the moment is over ("lingering close", as Apache does it).
 */
function lingerAfterAnswer(socket: Socket): void {
  socket.destroySoon = () => {
    const timer = setTimeout(() => socket.destroy(), LINGER_MILLISECONDS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('end', () => socket.destroy());
    socket.end();
    socket.resume();
  };
}

export const DRAIN_LIMITS = { bytes: 16 * 1024 * 1024, milliseconds: 5_000 };

export function drainBody(raw: IncomingMessage, limits = DRAIN_LIMITS): Promise<boolean> {
  if (raw.complete || raw.destroyed) return Promise.resolve(raw.complete);
  return new Promise((resolve) => {
    let received = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('close', finish);
      raw.off('error', finish);
      resolve(raw.complete);
    };
    const onData = (chunk: Buffer | string) => {
      received += chunk.length;
      if (received > limits.bytes) finish();
    };
    const timer = setTimeout(finish, limits.milliseconds);
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('close', finish);
    raw.once('error', finish);
    raw.resume();
  });
}
