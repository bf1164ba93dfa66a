import { type Config, ConfigError } from '../config.js';
import { type EmbeddingConfig, OPENROUTER_BASE_URL } from './registry.js';

/** Maps the environment's embedding variables (the original's names kept) onto the provider registry's options. */
export function embeddingConfig(config: Config): EmbeddingConfig {
  const provider =
    config.EMBEDDING_PROVIDER ?? (config.EMBEDDING_API_URL || config.OPENROUTER_API_KEY ? 'openai' : 'local');
  if (provider === 'local') {
    const local = { idleMs: config.EMBEDDING_IDLE_SECONDS * 1000 };
    return config.EMBEDDING_WORKERS > 0
      ? { provider, localWorkers: config.EMBEDDING_WORKERS, local }
      : { provider, local };
  }
  const baseUrl = config.EMBEDDING_API_URL ?? OPENROUTER_BASE_URL;
  const apiKey = config.EMBEDDING_API_KEY ?? config.OPENROUTER_API_KEY;
  if (!config.EMBEDDING_API_URL && !apiKey) {
    throw new ConfigError(
      'Invalid configuration:\n  OPENROUTER_API_KEY: required for EMBEDDING_PROVIDER=openai without EMBEDDING_API_URL',
    );
  }
  return {
    provider,
    openai: {
      baseUrl,
      model: config.EMBEDDING_MODEL,
      batchSize: config.EMBEDDING_BATCH_SIZE,
      concurrency: config.EMBEDDING_CONCURRENCY,
      timeoutMs: config.EMBEDDING_TIMEOUT_SECONDS * 1000,
      maxRetries: config.EMBEDDING_MAX_RETRIES,
      ...(apiKey ? { apiKey } : {}),
      ...(config.EMBEDDING_DIMENSIONS ? { dimensions: config.EMBEDDING_DIMENSIONS } : {}),
    },
  };
}
