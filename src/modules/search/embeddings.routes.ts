import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assertCanUseEmbeddings } from '../../auth/access.js';
import type { EmbeddingProvider } from '../../embeddings/provider.js';
import { authErrors, bearerSecurity, errorResponse } from '../../http/schemas.js';
import { countEmbeddingInputs, type EmbeddingLimits } from './embedding-limits.js';

const body = z.object({
  // No fixed maximum here: EMBEDDINGS_MAX_INPUTS is checked after authentication, with a 413 that names it.
  input: z.union([z.string(), z.array(z.string()).min(1)]),
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
export function embeddingsRoutes(
  embedder: EmbeddingProvider,
  options: EmbeddingLimits & { allowReadTokens: boolean },
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/embeddings',
      {
        schema: {
          tags: ['embeddings'],
          security: bearerSecurity,
          summary:
            "OpenAI-compatible embeddings from this server's model (a JWT or read_write PAT unless " +
            'EMBEDDINGS_ALLOW_READ_TOKENS)',
          body,
          response: {
            200: embeddingsResponse,
            400: errorResponse,
            413: errorResponse,
            503: errorResponse,
            ...authErrors,
          },
        },
      },
      async (request, reply) => {
        assertCanUseEmbeddings(await request.authenticate(), options);
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
        const tokens = countEmbeddingInputs(texts, options).reduce((sum, count) => sum + count, 0);
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
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        };
      },
    );
  };
}
