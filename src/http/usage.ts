import type { FastifyInstance } from 'fastify';
import type { UsageService } from '../modules/usage/usage.service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Count successful calls of this route in the caller's monthly API usage. */
    countUsage?: boolean;
  }
}

/**
 * Counts a call only once it has succeeded (the original counted failures too). Runs before the response is
 * sent, so a client that reads its usage right after a call sees that call counted (reads flush this
 * process's pending counts first).
 */
export function registerUsageCounting(app: FastifyInstance, usage: UsageService): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.routeOptions.config.countUsage || !request.principal || reply.statusCode >= 400)
      return payload;
    usage.record(request.principal.userId, 'api');
    return payload;
  });
}
