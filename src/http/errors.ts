import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable, unmappedDatabaseError } from '../db/errors.js';
import { AppError, RateLimitedError } from '../errors.js';
import { answerAfterDrain } from './body-limit.js';

export interface FieldError {
  location: string;
  field: string;
  message: string;
}

/** The original's error shape, kept for client compatibility: `{"detail": {"code", "message"}}`. */
export function errorBody(code: string, message: string, extra?: Record<string, unknown>) {
  return { detail: { code, message, ...extra } };
}

/** Fastify's own client errors (bad JSON, too large, wrong content type…) and the status we answer with. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'Request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', message: 'Request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type; send application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'Content-Length does not match the body',
  },
};

/** Turns every error into a response in one place; nothing a client sends can produce a 500. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      const extra = error.details === undefined ? undefined : { errors: error.details };
      if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.status).send(errorBody(error.code, error.message, extra));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const location = error.validationContext ?? 'body';
      const errors: FieldError[] = error.validation.map((issue) => ({
        location,
        field: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: issue.message ?? 'invalid value',
      }));
      const summary = errors
        .map((e) => `${e.location}${e.field ? `.${e.field}` : ''}: ${e.message}`)
        .join('; ');
      return reply.code(422).send(errorBody('VALIDATION_ERROR', `Invalid request: ${summary}`, { errors }));
    }
    const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
    if (known && error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // The client must be able to read the answer: take in (and drop) the rest of its body first.
      return answerAfterDrain(request.raw, reply, known.status, errorBody(known.code, known.message));
    }
    if (known) return reply.code(known.status).send(errorBody(known.code, known.message));
    if (error.statusCode === 429) {
      return reply.code(429).send(errorBody('RATE_LIMITED', error.message || 'Too many requests'));
    }
    if (
      !isResponseSerializationError(error) &&
      error.statusCode &&
      error.statusCode >= 400 &&
      error.statusCode < 500
    ) {
      return reply.code(error.statusCode).send(errorBody('BAD_REQUEST', error.message));
    }
    const unavailable = databaseUnavailable(error);
    if (unavailable) {
      // An outage, not a bug: one warning per request, and the client is told to come back.
      request.log.warn({ err: error, reqId: request.id }, 'database unavailable');
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return reply.code(unavailable.status).send(errorBody(unavailable.code, unavailable.message));
    }
    const mapped = unmappedDatabaseError(error);
    if (mapped) {
      // Answered as the client error it is, but logged: some repository should have mapped it.
      request.log.error({ err: error, reqId: request.id }, 'unmapped database error');
      return reply.code(mapped.status).send(errorBody(mapped.code, mapped.message));
    }
    request.log.error({ err: error, reqId: request.id }, 'unhandled error');
    return reply.code(500).send(
      errorBody('INTERNAL_ERROR', `Internal server error (request id ${request.id})`, {
        request_id: request.id,
      }),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(errorBody('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`)),
  );
}
