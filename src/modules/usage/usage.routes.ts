import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, bearerSecurity } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { historyQuery, historyResponse, usageQuery, usageResponse } from './usage.schemas.js';

/** The caller's own counted calls (the admin routes report anybody's). */
export function usageRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ['usage'], security: bearerSecurity };

    app.get(
      '/usage',
      {
        schema: {
          ...base,
          summary: 'Your counted API and MCP calls in one month',
          querystring: usageQuery,
          response: { 200: usageResponse, ...authErrors },
        },
      },
      async (request) =>
        services.usage.ownMonth({
          principal: await request.authenticate(),
          yearMonth: request.query.year_month,
        }),
    );

    app.get(
      '/usage/history',
      {
        schema: {
          ...base,
          summary: 'Your counted calls per month, newest first',
          querystring: historyQuery,
          response: { 200: historyResponse, ...authErrors },
        },
      },
      async (request) =>
        services.usage.ownHistory({ principal: await request.authenticate(), months: request.query.months }),
    );
  };
}
