import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { asPreconditionFailed, etagOf, ifMatchHeaders, updatedAtOfEtag } from '../../http/etag.js';
import { API_PREFIX } from '../../http/openapi.js';
import { authErrors, bearerSecurity, errorResponse, messageResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { jobResponse } from '../jobs/jobs.schemas.js';
import {
  documentParams,
  documentResponse,
  listQuery,
  listResponse,
  moveBody,
  moveResponse,
  type SearchDefaults,
  searchBody,
  searchResponse,
  storeBody,
  storeResponse,
  updateBody,
} from './documents.schemas.js';

export function documentsRoutes(services: Services, defaults: SearchDefaults): FastifyPluginAsyncZod {
  return async (app) => {
    const base = { tags: ['documents'], security: bearerSecurity };
    const config = { countUsage: true };
    const failures = {
      404: errorResponse,
      409: errorResponse,
      413: errorResponse,
      503: errorResponse,
      ...authErrors,
    };

    app.post(
      '/documents',
      {
        config,
        schema: {
          ...base,
          summary: 'Store a document (chunked and embedded); identical content returns the existing one',
          description:
            'Content over JOBS_BACKGROUND_OVER_BYTES, or `wait: false`, is stored in the background: the ' +
            'request is checked as usual, then answered 202 with a job (Location: /api/v1/jobs/{job_id}) ' +
            'whose result is this 200/201 body once done.',
          body: storeBody,
          response: { 201: storeResponse, 200: storeResponse, 202: jobResponse, ...failures },
        },
      },
      async (request, reply) => {
        const { title, content, document_type, metadata, collection_id, wait } = request.body;
        const outcome = await services.jobs.storeDocument({
          principal: await request.authenticate(),
          title,
          content,
          documentType: document_type,
          metadata,
          collectionId: collection_id ?? undefined,
          wait,
        });
        if ('job' in outcome) {
          reply.header('location', `${API_PREFIX}/jobs/${outcome.job.job_id}`);
          return reply.code(202).send(outcome.job);
        }
        const { document, duplicate } = outcome.stored;
        return reply.code(duplicate ? 200 : 201).send({ ...document, duplicate });
      },
    );

    app.get(
      '/documents',
      {
        config,
        schema: {
          ...base,
          summary: 'Documents the caller can see (no content), paged',
          querystring: listQuery,
          response: { 200: listResponse, ...failures },
        },
      },
      async (request) => {
        const { collection_id, document_type, ...page } = request.query;
        return services.documents.list({
          principal: await request.authenticate(),
          collectionId: collection_id,
          documentType: document_type,
          ...page,
        });
      },
    );

    app.post(
      '/documents/search',
      {
        config,
        schema: {
          ...base,
          summary: "Search by meaning and keyword within the caller's collections",
          body: searchBody(defaults),
          response: { 200: searchResponse, ...failures },
        },
      },
      async (request) => {
        const body = request.body;
        const collectionIds = body.collection_ids ?? (body.collection_id ? [body.collection_id] : undefined);
        const types = body.document_type === undefined ? undefined : [body.document_type].flat();
        return services.search.search({
          principal: await request.authenticate(),
          query: body.query,
          mode: body.mode,
          maxResults: body.max_results,
          maxTokens: body.max_tokens,
          minScore: body.min_score,
          collectionIds,
          documentTypes: types,
          metadata: body.metadata,
          createdAfter: body.created_after,
          createdBefore: body.created_before,
          updatedAfter: body.updated_after,
          updatedBefore: body.updated_before,
        });
      },
    );

    app.get(
      '/documents/:document_id',
      {
        config,
        schema: {
          ...base,
          summary: 'One document with its content',
          params: documentParams,
          response: { 200: documentResponse, ...failures },
        },
      },
      async (request, reply) => {
        const document = await services.documents.get({
          principal: await request.authenticate(),
          documentId: request.params.document_id,
        });
        reply.header('etag', etagOf(document.updated_at));
        return document;
      },
    );

    app.patch(
      '/documents/:document_id',
      {
        config,
        schema: {
          ...base,
          summary: 'Change a document; omitted or null fields keep their values',
          params: documentParams,
          headers: ifMatchHeaders,
          body: updateBody,
          response: { 200: documentResponse, 412: errorResponse, ...failures },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const ifMatch = request.headers['if-match'];
        const update = services.documents.update({
          principal: await request.authenticate(),
          documentId: request.params.document_id,
          title: body.title ?? undefined,
          content: body.content ?? undefined,
          documentType: body.document_type ?? undefined,
          metadata: body.metadata ?? undefined,
          expectedUpdatedAt: body.expected_updated_at ?? (ifMatch ? updatedAtOfEtag(ifMatch) : undefined),
        });
        const document = ifMatch ? await update.catch(asPreconditionFailed) : await update;
        reply.header('etag', etagOf(document.updated_at));
        return document;
      },
    );

    app.post(
      '/documents/:document_id/move',
      {
        config,
        schema: {
          ...base,
          summary: 'Move a document to another collection (no re-embedding)',
          params: documentParams,
          body: moveBody,
          response: { 200: moveResponse, ...failures },
        },
      },
      async (request) =>
        services.documents.move({
          principal: await request.authenticate(),
          documentId: request.params.document_id,
          targetCollectionId: request.body.target_collection_id,
        }),
    );

    app.delete(
      '/documents/:document_id',
      {
        config,
        schema: {
          ...base,
          summary: 'Delete a document and its chunks',
          params: documentParams,
          response: { 200: messageResponse.extend({ document_id: z.string() }), ...failures },
        },
      },
      async (request) =>
        services.documents.delete({
          principal: await request.authenticate(),
          documentId: request.params.document_id,
        }),
    );
  };
}
