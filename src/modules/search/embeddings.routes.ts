import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EmbeddingProvider } from '../../embeddings/provider.js';
import { authErrors, bearerSecurity, errorResponse } from '../../http/schemas.js';
import { countTokens } from '../../ingest/tokenizer.js';

const body = z.object({
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  model: z.string().max(200).optional().describe('Ignored: the server answers with its own model'),
  encoding_format: z.enum(['float', 'base64']).default('float'),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

const embeddingsResponse = z.object({
  object: z.literal('list'),
  model: z.string(),
  data: z.array(
    z.object({
      object: z.literal('embedding'),
      index: z.number(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
});

/**
 * `POST /v1/embeddings` in the OpenAI format, answered by this server's own embedding model, so a fleet can
 * share embedding workers and the `openai` provider can be pointed at another ainstruct instance.
 */
export function embeddingsRoutes(embedder: EmbeddingProvider): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/embeddings',
      {
        schema: {
          tags: ['embeddings'],
          security: bearerSecurity,
          summary: "OpenAI-compatible embeddings from this server's model (any valid credential)",
          body,
          response: { 200: embeddingsResponse, 400: errorResponse, 503: errorResponse, ...authErrors },
        },
      },
      async (request, reply) => {
        await request.authenticate();
        const { input, encoding_format, dimensions } = request.body;
        if (dimensions !== undefined && dimensions !== embedder.dimensions) {
          return reply.code(400).send({
            detail: {
              code: 'UNSUPPORTED_DIMENSIONS',
              message: `This model produces ${embedder.dimensions} dimensions`,
            },
          });
        }
        const texts = typeof input === 'string' ? [input] : input;
        const vectors = await embedder.embed(texts, 'document');
        return {
          object: 'list' as const,
          model: embedder.model,
          data: vectors.map((vector, index) => ({
            object: 'embedding' as const,
            index,
            embedding:
              encoding_format === 'base64'
                ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
                : Array.from(vector),
          })),
          usage: {
            prompt_tokens: texts.reduce((sum, t) => sum + countTokens(t), 0),
            total_tokens: texts.reduce((sum, t) => sum + countTokens(t), 0),
          },
        };
      },
    );
  };
}
