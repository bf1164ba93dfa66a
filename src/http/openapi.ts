import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export const API_PREFIX = '/api/v1';

/** OpenAPI 3 generated from the routes' zod schemas, at /api/v1/openapi.json, with a browsable reference at /docs. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'ainstruct',
        description:
          'Document memory for AI agents. Authenticate with `Authorization: Bearer <token>`: a JWT from ' +
          '/auth/login, a personal access token (pat_live_…) or, on document routes, a collection access token ' +
          '(cat_live_…). Errors are `{"detail": {"code", "message"}}`.',
        version,
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get(`${API_PREFIX}/openapi.json`, { config: { rateLimit: false }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
