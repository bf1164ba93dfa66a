import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { authErrors, bearerSecurity, errorResponse } from '../http/schemas.js';
import { NO_ISSUER_MESSAGE } from './errors.js';
import type { createGrantsService } from './grants.service.js';
import type { createInteractionsService } from './interactions.service.js';
import {
  approveBody,
  grantList,
  grantParams,
  grantsQuery,
  interactionDetails,
  interactionParams,
  redirectResponse,
} from './oauth.schemas.js';
import type { OAuthServers } from './servers.js';

export interface OAuthRouteDeps {
  servers: OAuthServers;
  interactions: ReturnType<typeof createInteractionsService>;
  grants: ReturnType<typeof createGrantsService>;
}

/** The JSON APIs behind the consent page and the Tokens page's connected clients. */
export function oauthRoutes(deps: OAuthRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = { tags: ['oauth'], security: bearerSecurity };
    const notFound = { 404: errorResponse, ...authErrors };
    const provider = async (request: FastifyRequest) => {
      const found = await deps.servers.providerFor(request);
      if (!found) throw new AppError(400, 'OAUTH_UNAVAILABLE', NO_ISSUER_MESSAGE);
      return found;
    };

    app.get(
      '/oauth/interactions/:uid',
      {
        schema: {
          ...tags,
          summary: 'What a pending OAuth authorization request asks for',
          params: interactionParams,
          response: { 200: interactionDetails, 400: errorResponse, ...notFound },
        },
      },
      async (request) => {
        const principal = await request.authenticate();
        return deps.interactions.details(await provider(request), request.params.uid, principal);
      },
    );

    app.post(
      '/oauth/interactions/:uid/approve',
      {
        schema: {
          ...tags,
          summary: 'Approve an OAuth authorization request with the chosen access',
          params: interactionParams,
          body: approveBody,
          response: { 200: redirectResponse, 400: errorResponse, ...notFound },
        },
      },
      async (request) => {
        const principal = await request.authenticate();
        return deps.interactions.approve(
          await provider(request),
          request.params.uid,
          principal,
          request.body,
        );
      },
    );

    app.post(
      '/oauth/interactions/:uid/deny',
      {
        schema: {
          ...tags,
          summary: 'Deny an OAuth authorization request',
          params: interactionParams,
          response: { 200: redirectResponse, 400: errorResponse, ...notFound },
        },
      },
      async (request) => {
        const principal = await request.authenticate();
        return deps.interactions.deny(await provider(request), request.params.uid, principal);
      },
    );

    app.get(
      '/oauth/grants',
      {
        schema: {
          ...tags,
          summary: 'The OAuth clients connected to your account',
          querystring: grantsQuery,
          response: { 200: grantList, ...authErrors },
        },
      },
      async (request) => deps.grants.list(await request.authenticate(), request.query),
    );

    app.delete(
      '/oauth/grants/:id',
      {
        schema: {
          ...tags,
          summary: 'Disconnect an OAuth client (its tokens stop at once)',
          params: grantParams,
          response: { 204: z.null().describe('Disconnected'), ...notFound },
        },
      },
      async (request, reply) => {
        await deps.grants.disconnect(await request.authenticate(), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
