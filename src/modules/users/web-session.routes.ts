import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, unauthorized } from '../../errors.js';
import type { AuthLimiter } from '../../http/rate-limit.js';
import { errorResponse, messageResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { loginBody, userResponse } from './users.schemas.js';
import type { Session } from './users.service.js';

/**
 * The web UI's session: the refresh token lives only in an httpOnly, SameSite=Strict cookie scoped to these
 * routes, so page scripts never see it; the access token is returned in the body and kept in memory. Every
 * browser holds its own cookie, so two people can never share a session (the original kept one server-side
 * client for everybody).
 */
export const SESSION_COOKIE = 'ainstruct_refresh';
export const SESSION_PATH = '/api/v1/auth/web';
/**
 * Header the UI sends with every session call. A cross-site form cannot set it and a cross-site fetch that sets
 * it needs a CORS preflight we never grant, so it backs up SameSite against CSRF on older browsers.
 */
const CSRF_HEADER = 'x-requested-with';

const sessionResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().describe('Access token lifetime in seconds: refresh before it runs out'),
  user: userResponse,
});
const csrfHeaders = z.object({
  [CSRF_HEADER]: z.string().min(1).describe('Any value, e.g. "ainstruct"; required against CSRF'),
});

export function webSessionRoutes(
  services: Services,
  options: { authLimiter: AuthLimiter; refreshDays: number },
): FastifyPluginAsyncZod {
  return async (app) => {
    // The same per-IP budget as /auth/login: logging in through the UI must not buy a guesser extra attempts.
    const common = { config: { rateLimit: false as const }, onRequest: options.authLimiter };
    const tags = ['web session'];

    function setCookie(request: FastifyRequest, reply: FastifyReply, session: Session) {
      reply.setCookie(SESSION_COOKIE, session.tokens.refresh_token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: SESSION_PATH,
        maxAge: options.refreshDays * 86_400,
      });
      reply.header('cache-control', 'no-store');
      const { access_token, token_type, expires_in } = session.tokens;
      return { access_token, token_type, expires_in, user: session.user };
    }
    const clearCookie = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, { path: SESSION_PATH });

    app.post(
      '/auth/web/login',
      {
        ...common,
        schema: {
          tags,
          summary: 'Log in for the web UI: the refresh token is set as an httpOnly cookie, not returned',
          headers: csrfHeaders,
          body: loginBody,
          response: { 200: sessionResponse, 401: errorResponse, 403: errorResponse, 422: errorResponse },
        },
      },
      async (request, reply) => setCookie(request, reply, await services.users.startSession(request.body)),
    );

    app.post(
      '/auth/web/refresh',
      {
        ...common,
        schema: {
          tags,
          summary:
            "A new access token from the session cookie (which is rotated); 401 when there's no session",
          headers: csrfHeaders,
          response: { 200: sessionResponse, 401: errorResponse, 422: errorResponse },
        },
      },
      async (request, reply) => {
        const refreshToken = request.cookies[SESSION_COOKIE];
        if (!refreshToken) throw unauthorized('NO_SESSION', 'Not logged in');
        try {
          return setCookie(request, reply, await services.users.continueSession({ refreshToken }));
        } catch (error) {
          clearCookie(reply);
          throw error;
        }
      },
    );

    app.post(
      '/auth/web/logout',
      {
        ...common,
        schema: {
          tags,
          summary:
            'End the web session: its refresh token and every access token issued from it stop working',
          headers: csrfHeaders,
          response: { 200: messageResponse, 422: errorResponse },
        },
      },
      async (request, reply) => {
        const refreshToken = request.cookies[SESSION_COOKIE];
        clearCookie(reply);
        // Logging out of a session that is already gone is not an error for a browser.
        if (refreshToken) {
          await services.users.logout({ refreshToken }).catch((error: unknown) => {
            if (!(error instanceof AppError && error.status === 401)) throw error;
          });
        }
        return { message: 'Logged out' };
      },
    );
  };
}
