/**
 * The one place that turns configuration into an embedding provider. Reads no environment: the caller maps
 * its settings onto `EmbeddingConfig`.
 */
import { LocalEmbeddingProvider, type LocalProviderOptions } from './local/provider.js';
import { OpenAIEmbeddingProvider, type OpenAIProviderOptions } from './openai.js';
import type { EmbeddingProvider } from './provider.js';

export { LOCAL_DIMENSIONS, LOCAL_MODEL_ID, LocalEmbeddingProvider } from './local/provider.js';
export { OPENAI_BASE_URL, OPENROUTER_BASE_URL, OpenAIEmbeddingProvider } from './openai.js';
export type { EmbeddingProvider, EmbeddingPurpose } from './provider.js';

export interface EmbeddingConfig {
  provider: 'local' | 'openai';
  /** Worker threads for the local model; default the number of CPUs. */
  localWorkers?: number;
  /** Further tuning of the local pool; `localWorkers` wins over `local.workers`. */
  local?: LocalProviderOptions;
  /** Required when `provider` is `openai`. For OpenRouter use `OPENROUTER_BASE_URL` as `baseUrl`. */
  openai?: OpenAIProviderOptions;
}

/**
 * Builds the configured provider. Nothing starts here: the local pool spawns its workers on the first `embed`
 * (or `warmup`), and the OpenAI provider makes no request until asked.
 */
export function createEmbeddingProvider(config: EmbeddingConfig): EmbeddingProvider {
  switch (config.provider) {
    case 'local': {
      const options: LocalProviderOptions = { ...config.local };
      if (config.localWorkers !== undefined) options.workers = config.localWorkers;
      return new LocalEmbeddingProvider(options);
    }
    case 'openai': {
      if (config.openai === undefined) {
        throw new Error('embedding provider "openai" needs its options (base URL, model, key)');
      }
      return new OpenAIEmbeddingProvider(config.openai);
    }
    default: {
      const unknown: never = config.provider;
      throw new Error(`unknown embedding provider: ${String(unknown)}`);
    }
  }
}
