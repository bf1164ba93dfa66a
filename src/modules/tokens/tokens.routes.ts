import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authErrors, bearerSecurity, errorResponse, messageResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  catCreateBody,
  catListQuery,
  catParams,
  catResponse,
  catWithSecret,
  patCreateBody,
  patParams,
  patResponse,
  patWithSecret,
  rotateBody,
} from './tokens.schemas.js';

export function tokensRoutes(
  services: Services,
  limits: { patMaxDays: number; catMaxDays: number },
): FastifyPluginAsyncZod {
  return async (app) => {
    const pat = { tags: ['personal access tokens'], security: bearerSecurity };
    const cat = { tags: ['collection access tokens'], security: bearerSecurity };
    const notFound = { 404: errorResponse, ...authErrors };

    app.post(
      '/auth/pat',
      {
        schema: {
          ...pat,
          summary: 'Create a personal access token (user-wide)',
          body: patCreateBody(limits.patMaxDays),
          response: { 201: patWithSecret, ...authErrors },
        },
      },
      async (request, reply) => {
        const { label, expires_in_days, scopes } = request.body;
        const principal = await request.authenticate();
        const created = await services.tokens.createPat({
          principal,
          label,
          expiresInDays: expires_in_days,
          scopes,
        });
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/auth/pat',
      {
        schema: {
          ...pat,
          summary: "The caller's PATs, newest first",
          response: { 200: z.object({ tokens: z.array(patResponse) }), ...authErrors },
        },
      },
      async (request) => services.tokens.listPats({ principal: await request.authenticate() }),
    );

    app.post(
      '/auth/pat/:pat_id/rotate',
      {
        schema: {
          ...pat,
          summary: 'Replace the secret (same id); the old secret stops working at once',
          params: patParams,
          body: rotateBody(limits.patMaxDays),
          response: { 200: patWithSecret, ...notFound },
        },
      },
      async (request) =>
        services.tokens.rotatePat({
          principal: await request.authenticate(),
          patId: request.params.pat_id,
          label: request.body?.label,
          expiresInDays: request.body?.expires_in_days,
        }),
    );

    // DELETE is the documented form; POST …/delete is the original's real route, kept for existing clients.
    for (const [method, url] of [
      ['DELETE', '/auth/pat/:pat_id'],
      ['POST', '/auth/pat/:pat_id/delete'],
    ] as const) {
      app.route({
        method,
        url,
        schema: {
          ...pat,
          summary: 'Revoke a PAT',
          params: patParams,
          response: { 200: messageResponse, ...notFound },
        },
        handler: async (request) =>
          services.tokens.revokePat({
            principal: await request.authenticate(),
            patId: request.params.pat_id,
          }),
      });
    }

    app.post(
      '/auth/cat',
      {
        schema: {
          ...cat,
          summary: 'Create a collection access token (one collection, read or read_write)',
          body: catCreateBody(limits.catMaxDays),
          response: { 201: catWithSecret, ...notFound },
        },
      },
      async (request, reply) => {
        const { label, collection_id, permission, expires_in_days } = request.body;
        const created = await services.tokens.createCat({
          principal: await request.authenticate(),
          label,
          collectionId: collection_id,
          permission,
          expiresInDays: expires_in_days,
        });
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/auth/cat',
      {
        schema: {
          ...cat,
          summary: "CATs on the caller's collections, newest first",
          querystring: catListQuery,
          response: { 200: z.object({ tokens: z.array(catResponse) }), ...authErrors },
        },
      },
      async (request) =>
        services.tokens.listCats({
          principal: await request.authenticate(),
          collectionId: request.query.collection_id,
        }),
    );

    app.post(
      '/auth/cat/:cat_id/rotate',
      {
        schema: {
          ...cat,
          summary: 'Replace the secret (same id); the old secret stops working at once',
          params: catParams,
          body: rotateBody(limits.catMaxDays),
          response: { 200: catWithSecret, ...notFound },
        },
      },
      async (request) =>
        services.tokens.rotateCat({
          principal: await request.authenticate(),
          catId: request.params.cat_id,
          label: request.body?.label,
          expiresInDays: request.body?.expires_in_days,
        }),
    );

    for (const [method, url] of [
      ['DELETE', '/auth/cat/:cat_id'],
      ['POST', '/auth/cat/:cat_id/delete'],
    ] as const) {
      app.route({
        method,
        url,
        schema: {
          ...cat,
          summary: 'Revoke a CAT',
          params: catParams,
          response: { 200: messageResponse, ...notFound },
        },
        handler: async (request) =>
          services.tokens.revokeCat({
            principal: await request.authenticate(),
            catId: request.params.cat_id,
          }),
      });
    }
  };
}
