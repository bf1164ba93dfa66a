import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, bearerSecurity, errorResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { jobListQuery, jobListResponse, jobParams, jobResponse } from './jobs.schemas.js';

/** Background jobs of the caller (any credential of theirs; a CAT: its collection's). Polling is not usage. */
export function jobsRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ['jobs'], security: bearerSecurity };
    const failures = { 404: errorResponse, 503: errorResponse, ...authErrors };

    app.get(
      '/jobs/:job_id',
      {
        schema: {
          ...base,
          summary: 'One background job: its state, progress, and result or error',
          params: jobParams,
          response: { 200: jobResponse, ...failures },
        },
      },
      async (request) =>
        services.jobs.get({ principal: await request.authenticate(), jobId: request.params.job_id }),
    );

    app.get(
      '/jobs',
      {
        schema: {
          ...base,
          summary: "The caller's background jobs, newest first, paged (finished ones are kept 7 days)",
          querystring: jobListQuery,
          response: { 200: jobListResponse, ...failures },
        },
      },
      async (request) => services.jobs.list({ principal: await request.authenticate(), ...request.query }),
    );
  };
}
