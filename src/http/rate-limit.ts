import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { type Authenticator, bearerToken } from '../auth/authenticate.js';
import { type ClientAuthenticator, withFailedAuthBudget } from '../auth/failed-auth-budget.js';
import {
  type FailedAuthCounter,
  MemoryFailedAuthCounter,
  RedisFailedAuthCounter,
} from '../auth/failed-auth-counter.js';
import { sha256Hex } from '../auth/secrets.js';
import { errorBody } from './errors.js';

/** One Redis connection per app for every shared counter, closed with the app; none without REDIS_URL. */
export function connectRedis(app: FastifyInstance, url: string | undefined): Redis | undefined {
  if (!url) return undefined;
  const redis = new Redis(url, { connectTimeout: 2000, maxRetriesPerRequest: 1, lazyConnect: false });
  // Each command's failure is handled where it is used; without a listener ioredis would also print every
  // reconnect failure to stderr.
  redis.on('error', (error) => app.log.debug({ err: error }, 'redis connection error'));
  app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  return redis;
}

/**
 * The authenticator of every HTTP entry point (REST, /mcp, /v1/embeddings): the database check behind the
 * per-IP failed-authentication budget, counted in Redis when there is one, else in this process.
 */
export function clientAuthenticator(
  app: FastifyInstance,
  inner: Authenticator,
  options: { perMinute: number; redis?: Redis | undefined },
): ClientAuthenticator {
  const counter: FailedAuthCounter = options.redis
    ? new RedisFailedAuthCounter(options.redis, 60_000, 'ainstruct-fa:', (error) =>
        app.log.warn({ err: error }, 'failed-auth counter: Redis unavailable, counting in this process'),
      )
    : new MemoryFailedAuthCounter(60_000);
  return withFailedAuthBudget(inner, { counter, perWindow: options.perMinute });
}

/**
 * A default limit per credential (a hash of the Authorization header) or, without one, per client IP; routes
 * with their own `config.rateLimit` (login, register, refresh, promote) override it. With REDIS_URL the counters
 * live in Redis and hold across every instance.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  options: { perMinute: number; redis?: Redis | undefined },
): Promise<void> {
  const { redis } = options;
  await app.register(rateLimit, {
    global: true,
    max: options.perMinute,
    timeWindow: 60_000,
    ...(redis ? { redis, nameSpace: 'ainstruct-rl:' } : {}),
    // Counting must never take the service down: if Redis is unreachable, requests pass.
    skipOnError: true,
    // Keyed on the token itself (as the authenticator reads it), so spelling the header differently does not
    // buy a fresh budget; anything that is not a bearer token counts against the client's IP.
    keyGenerator: (request) => {
      const token = bearerToken(request.headers.authorization);
      return token ? `cred:${sha256Hex(token).slice(0, 32)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      ...errorBody('RATE_LIMITED', `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
    }),
  });
}

/**
 * The per-client-IP limit of every route that takes a password or a refresh token (login, register and refresh,
 * for API clients and the web UI alike). Create it once and hand the same instance to every such route: each
 * `app.rateLimit()` call keeps its own counters, so a second instance would double a password guesser's budget.
 */
export function createAuthLimiter(app: FastifyInstance, perMinute: number) {
  return app.rateLimit({
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request: { ip: string }) => `auth:${request.ip}`,
  });
}

export type AuthLimiter = ReturnType<typeof createAuthLimiter>;
