import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, bearerSecurity, errorResponse, messageResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { userResponse } from '../users/users.schemas.js';
import {
  historyQuery,
  historyResponse,
  promoteHeaders,
  usageQuery,
  usageResponse,
  userDetailResponse,
  userListQuery,
  userListResponse,
  userParams,
  userSearchQuery,
  userUpdateBody,
} from './admin.schemas.js';

export function adminRoutes(services: Services, limits: { promotePerMinute: number }): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ['admin'], security: bearerSecurity };
    const notFound = { 404: errorResponse, ...authErrors };

    app.get(
      '/admin/users',
      {
        schema: {
          ...base,
          summary: 'All users, oldest first',
          querystring: userListQuery,
          response: { 200: userListResponse, ...authErrors },
        },
      },
      async (request) =>
        services.admin.listUsers({ principal: await request.authenticate(), ...request.query }),
    );

    app.get(
      '/admin/users/search',
      {
        schema: {
          ...base,
          summary: 'Users whose username or email contains the query (case-insensitive, literal)',
          querystring: userSearchQuery,
          response: { 200: userListResponse, ...authErrors },
        },
      },
      async (request) =>
        services.admin.listUsers({ principal: await request.authenticate(), ...request.query }),
    );

    app.get(
      '/admin/users/:user_id',
      {
        schema: {
          ...base,
          summary: 'A user with counts of what they own',
          params: userParams,
          response: { 200: userDetailResponse, ...notFound },
        },
      },
      async (request) =>
        services.admin.getUser({ principal: await request.authenticate(), userId: request.params.user_id }),
    );

    app.patch(
      '/admin/users/:user_id',
      {
        schema: {
          ...base,
          summary: 'Change a user (omitted fields keep their values); deactivation ends their sessions',
          params: userParams,
          body: userUpdateBody,
          response: { 200: userResponse, 400: errorResponse, ...notFound },
        },
      },
      async (request) =>
        services.admin.updateUser({
          principal: await request.authenticate(),
          userId: request.params.user_id,
          changes: request.body,
        }),
    );

    app.delete(
      '/admin/users/:user_id',
      {
        schema: {
          ...base,
          summary: 'Delete a user and everything they own',
          params: userParams,
          response: { 200: messageResponse, 400: errorResponse, ...notFound },
        },
      },
      async (request) =>
        services.admin.deleteUser({
          principal: await request.authenticate(),
          userId: request.params.user_id,
        }),
    );

    app.post(
      '/admin/users/:user_id/promote',
      {
        // Guessing the admin key is slowed like guessing a password.
        config: {
          rateLimit: {
            max: limits.promotePerMinute,
            timeWindow: 60_000,
            keyGenerator: (request: { ip: string }) => `promote:${request.ip}`,
          },
        },
        schema: {
          tags: ['admin'],
          summary: 'Make a user a superuser, authorised by the X-Admin-API-Key header (bootstrap)',
          params: userParams,
          headers: promoteHeaders,
          response: { 200: userResponse, 401: errorResponse, 404: errorResponse, 503: errorResponse },
        },
      },
      async (request) =>
        services.admin.promoteWithApiKey({
          apiKey: request.headers['x-admin-api-key'],
          userId: request.params.user_id,
        }),
    );

    app.get(
      '/admin/usage/:user_id',
      {
        schema: {
          ...base,
          summary: "A user's counted calls in one month",
          params: userParams,
          querystring: usageQuery,
          response: { 200: usageResponse, ...notFound },
        },
      },
      async (request) =>
        services.admin.usageMonth({
          principal: await request.authenticate(),
          userId: request.params.user_id,
          yearMonth: request.query.year_month,
        }),
    );

    app.get(
      '/admin/usage/:user_id/history',
      {
        schema: {
          ...base,
          summary: "A user's counted calls per month, newest first",
          params: userParams,
          querystring: historyQuery,
          response: { 200: historyResponse, ...notFound },
        },
      },
      async (request) =>
        services.admin.usageHistory({
          principal: await request.authenticate(),
          userId: request.params.user_id,
          months: request.query.months,
        }),
    );
  };
}
