import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { forbidden } from '../../errors.js';
import type { AuthLimiter } from '../../http/rate-limit.js';
import { authErrors, bearerSecurity, errorResponse, messageResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  loginBody,
  logoutBody,
  refreshBody,
  registerBody,
  tokenPairResponse,
  userResponse,
} from './users.schemas.js';

export function usersRoutes(
  services: Services,
  options: { registrationEnabled: boolean; authLimiter: AuthLimiter },
): FastifyPluginAsyncZod {
  return async (app) => {
    // Per client IP, one budget shared with every other password and refresh route (see createAuthLimiter), so
    // password guessing and sign-up floods are slowed down; the per-credential limit is off on these routes.
    const authLimited = { rateLimit: false as const };
    const onRequest = options.authLimiter;
    const tags = ['auth'];

    app.post(
      '/auth/register',
      {
        config: authLimited,
        onRequest,
        schema: {
          tags,
          summary: 'Create an account (and its "default" collection)',
          body: registerBody,
          response: { 201: userResponse, 400: errorResponse, 403: errorResponse, 422: errorResponse },
        },
      },
      async (request, reply) => {
        if (!options.registrationEnabled) {
          throw forbidden(
            'REGISTRATION_DISABLED',
            'Registration is closed on this server; ask an administrator',
          );
        }
        return reply.code(201).send(await services.users.register(request.body));
      },
    );

    app.post(
      '/auth/login',
      {
        config: authLimited,
        onRequest,
        schema: {
          tags,
          summary: 'Log in with username or email and password',
          body: loginBody,
          response: { 200: tokenPairResponse, 401: errorResponse, 403: errorResponse, 422: errorResponse },
        },
      },
      async (request) => services.users.login(request.body),
    );

    app.post(
      '/auth/refresh',
      {
        config: authLimited,
        onRequest,
        schema: {
          tags,
          summary: 'Exchange a refresh token for a new token pair (the old refresh token stops working)',
          body: refreshBody,
          response: { 200: tokenPairResponse, 401: errorResponse, 422: errorResponse },
        },
      },
      async (request) => services.users.refresh({ refreshToken: request.body.refresh_token }),
    );

    app.post(
      '/auth/logout',
      {
        schema: {
          tags,
          summary: 'End the login session of this access token (or of the given refresh token)',
          body: logoutBody,
          security: bearerSecurity,
          response: { 200: messageResponse, 400: errorResponse, ...authErrors },
        },
      },
      async (request) => {
        const refreshToken = request.body?.refresh_token;
        if (refreshToken) return services.users.logout({ refreshToken });
        return services.users.logout({ principal: await request.authenticate() });
      },
    );

    app.get(
      '/auth/profile',
      {
        schema: {
          tags,
          summary: 'The calling user',
          security: bearerSecurity,
          response: { 200: userResponse, 404: errorResponse, ...authErrors },
        },
      },
      async (request) => services.users.profile({ principal: await request.authenticate() }),
    );
  };
}
