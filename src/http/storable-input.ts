import type { FastifyInstance } from 'fastify';
import { unprocessable } from '../errors.js';
import { findUnstorableText, formatPath } from '../validation/storable.js';
import type { FieldError } from './errors.js';

/** Where a request carries client text, named as schema validation names them. */
const LOCATIONS = [
  ['body', (request) => request.body],
  ['querystring', (request) => request.query],
  ['params', (request) => request.params],
] as const satisfies readonly (readonly [
  string,
  (request: { body: unknown; query: unknown; params: unknown }) => unknown,
])[];

/**
 * Refuses text PostgreSQL cannot store (NUL, lone surrogates) anywhere in a request, on every route, before
 * the route's own schema runs: one hook instead of a refinement each field could forget. Answers like a
 * schema failure: 422 VALIDATION_ERROR naming each field.
 */
export function registerStorableInputCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const errors: FieldError[] = LOCATIONS.flatMap(([location, read]) =>
      findUnstorableText(read(request)).map((problem) => ({
        location,
        field: formatPath(problem.path),
        message: problem.message,
      })),
    );
    if (errors.length === 0) return;
    const summary = errors
      .map((e) => `${e.location}${e.field ? `.${e.field}` : ''}: ${e.message}`)
      .join('; ');
    throw unprocessable('VALIDATION_ERROR', `Invalid request: ${summary}`, errors);
  });
}
