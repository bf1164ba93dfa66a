import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { type Authenticator, bearerToken } from '../auth/authenticate.js';
import { type ClientAuthenticator, withFailedAuthBudget } from '../auth/failed-auth-budget.js';
import { sharedFailedAuthCounter } from '../auth/failed-auth-counter.js';
import { sha256Hex } from '../auth/secrets.js';
import type { SharedState } from '../shared-state/shared-state.js';
import { errorBody } from './errors.js';

/**
 * The authenticator of every HTTP entry point (REST, /mcp, /v1/embeddings): the database check behind the
 * per-IP failed-authentication budget, counted in the shared state (Redis when there is one, else this process).
 */
export function clientAuthenticator(
  inner: Authenticator,
  options: { perMinute: number; shared: SharedState },
): ClientAuthenticator {
  const counter = sharedFailedAuthCounter(options.shared, 60_000);
  return withFailedAuthBudget(inner, { counter, perWindow: options.perMinute });
}

/**
 * @fastify/rate-limit's counters kept in the shared state instead of the plugin's own Local or Redis store, so
 * every limit (global, per route, the auth limiter) counts where the failed-auth budget counts and behaves
 * the same when Redis is down: per instance, never unlimited. Each route with its own limit gets its own
 * namespace, as the plugin's stores do.
 */
export function sharedRateLimitStore(shared: SharedState): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    private readonly namespace: string;

    /** The plugin constructs the root store with its options; children get their namespace. */
    constructor(namespace: unknown) {
      this.namespace = typeof namespace === 'string' ? namespace : 'rate:';
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      shared.hit(this.namespace + key, timeWindow).then(
        ({ count, resetInMs }) => callback(null, { current: count, ttl: resetInMs }),
        (error: Error) => callback(error),
      );
    }

    /** Typed as taking route options, but the plugin passes its merged limit options with `routeInfo`. */
    child(options: object): FastifyRateLimitStore {
      const route = (options as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? {};
      const method = Array.isArray(route.method) ? route.method.join(',') : String(route.method ?? '');
      return new SharedRateLimitStore(`${this.namespace}${method}${String(route.url ?? '')}-`);
    }
  }
  return SharedRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}

/**
 * A default limit per credential (a hash of the Authorization header) or, without one, per client IP; routes
 * with their own `config.rateLimit` (login, register, refresh, promote) override it. The counters live in the
 * shared state: with REDIS_URL they hold across every instance.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  options: { perMinute: number; shared: SharedState },
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.perMinute,
    timeWindow: 60_000,
    store: sharedRateLimitStore(options.shared),
    // The shared state already falls back to this process when Redis fails; should counting fail anyway,
    // the request passes rather than the service going down.
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
