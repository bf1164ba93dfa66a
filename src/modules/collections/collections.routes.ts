import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, bearerSecurity, errorResponse, messageResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  collectionBody,
  collectionListQuery,
  collectionListResponse,
  collectionParams,
  collectionResponse,
} from './collections.schemas.js';

export function collectionsRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ['collections'], security: bearerSecurity };
    const counted = { countUsage: true };

    app.post(
      '/collections',
      {
        config: counted,
        schema: {
          ...base,
          summary: 'Create a collection',
          body: collectionBody,
          response: { 201: collectionResponse, 409: errorResponse, ...authErrors },
        },
      },
      async (request, reply) => {
        const principal = await request.authenticate();
        return reply
          .code(201)
          .send(await services.collections.create({ principal, name: request.body.name }));
      },
    );

    app.get(
      '/collections',
      {
        config: counted,
        schema: {
          ...base,
          summary: "The caller's collections, by name, with document and token counts",
          querystring: collectionListQuery,
          response: { 200: collectionListResponse, ...authErrors },
        },
      },
      async (request) =>
        services.collections.list({ principal: await request.authenticate(), ...request.query }),
    );

    app.get(
      '/collections/:collection_id',
      {
        config: counted,
        schema: {
          ...base,
          summary: 'One collection',
          params: collectionParams,
          response: { 200: collectionResponse, 404: errorResponse, ...authErrors },
        },
      },
      async (request) =>
        services.collections.get({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
        }),
    );

    app.patch(
      '/collections/:collection_id',
      {
        config: counted,
        schema: {
          ...base,
          summary: 'Rename a collection',
          params: collectionParams,
          body: collectionBody,
          response: { 200: collectionResponse, 404: errorResponse, 409: errorResponse, ...authErrors },
        },
      },
      async (request) =>
        services.collections.rename({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
          name: request.body.name,
        }),
    );

    app.delete(
      '/collections/:collection_id',
      {
        config: counted,
        schema: {
          ...base,
          summary: 'Delete a collection and its documents (refused while it has access tokens)',
          params: collectionParams,
          response: { 200: messageResponse, 400: errorResponse, 404: errorResponse, ...authErrors },
        },
      },
      async (request) =>
        services.collections.delete({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
        }),
    );
  };
}
