import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authErrors, bearerSecurity, errorResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import {
  manifestQuery,
  manifestResponse,
  putBody,
  putResponse,
  removeResponse,
  syncBeginBody,
  syncBeginResponse,
  syncDocumentParams,
  syncParams,
} from './sync.schemas.js';

/** Folder sync over REST, for `ainstruct sync --url`: thin, the sync service does the work. */
export function syncRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ['sync'], security: bearerSecurity };
    const config = { countUsage: true };
    const failures = { 404: errorResponse, 409: errorResponse, 413: errorResponse, ...authErrors };

    app.post(
      '/sync/begin',
      {
        config,
        schema: {
          ...base,
          summary: 'Resolve the collection to sync into by name (created if missing)',
          description:
            "A PAT or JWT: the caller's collection of that name, created if missing. A read_write collection " +
            'access token: its own collection, which must be the one named. Read-only credentials: 403.',
          body: syncBeginBody,
          response: { 200: syncBeginResponse, ...failures },
        },
      },
      async (request) =>
        services.sync.begin({
          principal: await request.authenticate(),
          name: request.body.collection,
          create: request.body.create,
        }),
    );

    app.get(
      '/collections/:collection_id/sync/manifest',
      {
        config,
        schema: {
          ...base,
          summary:
            'The documents of a collection recorded with a source_path: id, path and content hash, paged',
          params: syncParams,
          querystring: manifestQuery,
          response: { 200: manifestResponse, ...failures },
        },
      },
      async (request) =>
        services.sync.manifest({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
          after: request.query.after,
          limit: request.query.limit,
        }),
    );

    app.put(
      '/collections/:collection_id/sync/documents',
      {
        config,
        schema: {
          ...base,
          summary: 'Store or update the document at a source_path (unchanged content: no write)',
          description:
            'Finds the document recorded at source_path, or stores a new one. Changed content updates it in ' +
            'place (same id; only changed chunks are embedded again). 409 DUPLICATE_CONTENT when another ' +
            'document of the collection holds this exact content.',
          params: syncParams,
          body: putBody,
          response: { 200: putResponse, ...failures },
        },
      },
      async (request) => {
        const { source_path, title, fallback_title, content, document_type, metadata } = request.body;
        return services.sync.put({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
          sourcePath: source_path,
          title,
          fallbackTitle: fallback_title,
          content,
          documentType: document_type,
          metadata,
        });
      },
    );

    app.delete(
      '/collections/:collection_id/sync/documents/:document_id',
      {
        config,
        schema: {
          ...base,
          summary: 'Delete a synced document (one with a source_path) of the collection',
          params: syncDocumentParams,
          response: { 200: removeResponse, ...failures },
        },
      },
      async (request) =>
        services.sync.remove({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
          documentId: request.params.document_id,
        }),
    );
  };
}
