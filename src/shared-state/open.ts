import type { FastifyBaseLogger } from 'fastify';
import { MemorySharedState } from './memory.js';
import { connectRedis, RedisSharedState } from './redis.js';
import type { SharedState } from './shared-state.js';

/** The composition root's choice: Redis when REDIS_URL is set, this process's memory otherwise. */
export async function openSharedState(
  config: { REDIS_URL?: string | undefined; REDIS_KEY_PREFIX: string },
  log: FastifyBaseLogger,
): Promise<SharedState> {
  if (!config.REDIS_URL) return new MemorySharedState();
  const redis = await connectRedis(config.REDIS_URL, {
    onError: (error) => log.debug({ err: error }, 'redis connection error'),
  });
  if (redis.status !== 'ready') {
    log.warn('Redis is not reachable yet: limits count per instance until it is');
  }
  redis.on('ready', () => log.info('Redis connected: shared state is shared across instances'));
  return new RedisSharedState(redis, {
    prefix: config.REDIS_KEY_PREFIX,
    onUnavailable: (error) =>
      log.warn({ err: error }, 'Redis unavailable: counting and leasing in this process until it is back'),
  });
}
