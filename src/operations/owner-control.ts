import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { ZodError } from 'zod';
import { type ControlHandler, sendJson } from '../db/data-dir-owner.js';
import { AppError } from '../errors.js';
import { isOperationName, type OperationEnv, runOperation } from './operations.js';

/** Local operators may send whole documents; this bounds what one request may buffer. */
const MAX_CONTROL_BODY_BYTES = 64 * 1024 * 1024;

export interface OperationFailure {
  status: number;
  code: string;
  message: string;
}

/** An error as the operator sees it: typed errors as they are, anything else without internals. */
export function operationFailure(error: unknown): OperationFailure {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof ZodError) {
    const message = error.issues
      .map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`)
      .join('; ');
    return { status: 422, code: 'VALIDATION_ERROR', message };
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'Internal error; see the server log' };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_CONTROL_BODY_BYTES) {
        reject(new AppError(413, 'PAYLOAD_TOO_LARGE', 'Operation input is too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * Serves `POST /operations/<name>` on the owner's control socket: the operation runs in this process, on its
 * services, and the answer is a stream of JSON lines — progress events, then `{"result"}` or `{"error"}`.
 */
export function operationsHandler(
  env: Omit<OperationEnv, 'progress'>,
  log: FastifyBaseLogger,
): ControlHandler {
  return (request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/operations\/([\w.-]+)$/.exec(request.url ?? '');
    const name = match?.[1];
    if (request.method !== 'POST' || !name || !isOperationName(name)) {
      return sendJson(response, 404, {
        error: { status: 404, code: 'NOT_FOUND', message: 'No such operation' },
      });
    }
    void (async () => {
      let input: unknown;
      try {
        input = JSON.parse((await readBody(request)) || '{}');
      } catch (error) {
        const failure =
          error instanceof AppError
            ? operationFailure(error)
            : { status: 400, code: 'MALFORMED_JSON', message: 'Input is not JSON' };
        return sendJson(response, failure.status, { error: failure });
      }
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
      try {
        const result = await runOperation(
          { ...env, progress: (event) => line({ progress: event }) },
          name,
          input,
        );
        line({ result });
      } catch (error) {
        const failure = operationFailure(error);
        if (failure.status >= 500)
          log.error({ err: error, operation: name }, 'command-line operation failed');
        line({ error: failure });
      }
      response.end();
    })();
  };
}
