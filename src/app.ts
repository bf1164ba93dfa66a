import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { sql } from 'drizzle-orm';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { registerAuthentication } from './http/authentication.js';
import { clientErrorHandler } from './http/client-errors.js';
import { serializeError } from './http/error-log.js';
import { errorBody, registerErrorHandling } from './http/errors.js';
import { registerHealth, registerMetrics } from './http/observability.js';
import { API_PREFIX, registerOpenApi } from './http/openapi.js';
import { clientAuthenticator, createAuthLimiter, registerRateLimits } from './http/rate-limit.js';
import { asyncStdout, RequestLog } from './http/request-log.js';
import { registerStorableInputCheck } from './http/storable-input.js';
import { registerUsageCounting } from './http/usage.js';
import { registerWebUi } from './http/web-ui.js';
import { registerMcp } from './mcp/register.js';
import { adminRoutes } from './modules/admin/admin.routes.js';
import { collectionsRoutes } from './modules/collections/collections.routes.js';
import { documentsRoutes } from './modules/documents/documents.routes.js';
import { exportRoutes } from './modules/export/export.routes.js';
import { jobsRoutes } from './modules/jobs/jobs.routes.js';
import { embeddingsRoutes } from './modules/search/embeddings.routes.js';
import { syncRoutes } from './modules/sync/sync.routes.js';
import { tokensRoutes } from './modules/tokens/tokens.routes.js';
import { usageRoutes } from './modules/usage/usage.routes.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { webSessionRoutes } from './modules/users/web-session.routes.js';
import { registerOAuth } from './oauth/register.js';
import type { Services } from './services.js';
import { VERSION } from './version.js';

export function fastifyOptions(config: Config, stream: DestinationStream = asyncStdout()) {
  return {
    logger: {
      level: config.LOG_LEVEL,
      stream,
      redact: ['req.headers.authorization', 'req.headers["x-admin-api-key"]'],
      // Errors are logged without the SQL parameters and values database errors carry.
      serializers: { err: serializeError },
    },
    logController: new RequestLog(config.SLOW_REQUEST_MS),
    bodyLimit: config.MAX_BODY_BYTES,
    trustProxy: config.TRUST_PROXY,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    },
    clientErrorHandler,
    // Errors raised before routing (bad URL encoding, over-long path parameters) get the same body shape too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      reply.code(status).send(errorBody('BAD_REQUEST', error.message));
    },
  };
}

/** Builds the whole HTTP surface on explicitly passed dependencies (no globals, no DI container). */
export async function createApp(deps: {
  ctx: AppContext;
  services: Services;
  app?: FastifyInstance;
}): Promise<FastifyInstance> {
  const { ctx, services } = deps;
  const { config } = ctx;
  const app = deps.app ?? Fastify(fastifyOptions(config));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  registerErrorHandling(app);
  registerStorableInputCheck(app);
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      directives: {
        // Helmet's default would make browsers fetch the UI's assets over https even when the server is
        // reached over plain http on a LAN name, where nothing answers https: the UI would not load.
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cookie);
  await registerRateLimits(app, { perMinute: config.RATE_LIMIT_PER_MINUTE, shared: ctx.shared });
  const authLimiter = createAuthLimiter(app, config.RATE_LIMIT_AUTH_PER_MINUTE);
  const authenticator = clientAuthenticator(ctx.authenticator, {
    perMinute: config.RATE_LIMIT_FAILED_AUTH_PER_MINUTE,
    shared: ctx.shared,
  });
  registerAuthentication(app, authenticator);
  registerUsageCounting(app, services.usage);
  registerMetrics(app, ctx.vectors);
  registerHealth(
    app,
    {
      database: async () => {
        await ctx.db.execute(sql`select 1`);
      },
      embeddings: embedderCheck(ctx),
    },
    ctx.vectors,
  );
  await registerOpenApi(app, VERSION);

  await app.register(
    async (api) => {
      const typed = api.withTypeProvider<ZodTypeProvider>();
      await typed.register(
        usersRoutes(services, {
          registrationEnabled: config.REGISTRATION_ENABLED,
          authLimiter,
        }),
      );
      await typed.register(
        tokensRoutes(services, {
          patMaxDays: config.PAT_MAX_EXPIRY_DAYS,
          catMaxDays: config.CAT_MAX_EXPIRY_DAYS,
        }),
      );
      await typed.register(
        webSessionRoutes(services, {
          authLimiter,
          refreshDays: config.JWT_REFRESH_TOKEN_EXPIRE_DAYS,
        }),
      );
      await typed.register(usageRoutes(services));
      await typed.register(collectionsRoutes(services));
      await typed.register(exportRoutes(services));
      await typed.register(syncRoutes(services));
      await typed.register(adminRoutes(services, { promotePerMinute: config.RATE_LIMIT_AUTH_PER_MINUTE }));
      await typed.register(
        documentsRoutes(services, {
          maxResults: config.SEARCH_MAX_RESULTS,
          maxTokens: config.SEARCH_MAX_TOKENS,
          minScore: config.SEARCH_MIN_SCORE,
        }),
      );
      await typed.register(jobsRoutes(services));
    },
    { prefix: API_PREFIX },
  );
  await app.withTypeProvider<ZodTypeProvider>().register(
    embeddingsRoutes(ctx.embedder, {
      maxInputs: config.EMBEDDINGS_MAX_INPUTS,
      maxInputTokens: config.EMBEDDINGS_MAX_INPUT_TOKENS,
      maxTotalTokens: config.EMBEDDINGS_MAX_TOTAL_TOKENS,
      allowReadTokens: config.EMBEDDINGS_ALLOW_READ_TOKENS,
    }),
  );
  const oauth = config.OAUTH_ENABLED ? await registerOAuth(app, ctx) : undefined;
  await registerMcp(app, {
    ctx,
    services,
    authenticator,
    ...(oauth ? { oauthIssuer: (request: FastifyRequest) => oauth.issuerFor(request) } : {}),
  });
  await registerWebUi(app);
  return app;
}

/** Readiness of the embedder, remembered for a minute so probes do not cost an embedding call each. */
function embedderCheck(ctx: AppContext) {
  let healthyUntil = 0;
  return async () => {
    if (Date.now() < healthyUntil) return;
    if (ctx.embedder.check) await ctx.embedder.check();
    else await ctx.embedder.embed(['readiness probe'], 'query');
    healthyUntil = Date.now() + 60_000;
  };
}
