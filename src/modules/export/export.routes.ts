import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authErrors, bearerSecurity, errorResponse } from '../../http/schemas.js';
import type { Services } from '../../services.js';
import { type ExportLine, exportParams } from './export.schemas.js';

/** `attachment` with the collection's name as the file name: ASCII fallback plus the exact UTF-8 name. */
export function exportDisposition(name: string): string {
  const ascii = name.replace(/[^\w .-]/g, '_').trim() || 'collection';
  return `attachment; filename="${ascii}.jsonl"; filename*=UTF-8''${encodeURIComponent(`${name}.jsonl`)}`;
}

async function* ndjson(lines: AsyncIterable<ExportLine>): AsyncGenerator<string> {
  for await (const line of lines) yield `${JSON.stringify(line)}\n`;
}

export function exportRoutes(services: Services): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/collections/:collection_id/export',
      {
        config: { countUsage: true },
        schema: {
          tags: ['collections'],
          security: bearerSecurity,
          summary: 'Every document of a collection as JSON lines (application/x-ndjson), streamed',
          description:
            'One line per document: id, title, document_type, metadata, content, created_at, updated_at, path. ' +
            "A PAT or JWT exports any of its user's collections; a collection access token only its own.",
          params: exportParams,
          produces: ['application/x-ndjson'],
          response: {
            // A stream is sent as it is (Fastify serializes no stream); this only documents the 200.
            200: z.any().describe('JSON lines, one document each'),
            404: errorResponse,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        const opened = await services.export.open({
          principal: await request.authenticate(),
          collectionId: request.params.collection_id,
        });
        return reply
          .type('application/x-ndjson; charset=utf-8')
          .header('content-disposition', exportDisposition(opened.name))
          .header('cache-control', 'no-store')
          .send(Readable.from(ndjson(opened.lines)));
      },
    );
  };
}
