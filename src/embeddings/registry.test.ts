import { describe, expect, it } from 'vitest';
import { LocalEmbeddingProvider } from './local/provider.js';
import { OpenAIEmbeddingProvider } from './openai.js';
import { createEmbeddingProvider, OPENROUTER_BASE_URL } from './registry.js';

describe('createEmbeddingProvider', () => {
  it('builds the local provider without starting any worker', async () => {
    const provider = createEmbeddingProvider({ provider: 'local', localWorkers: 1 });
    expect(provider).toBeInstanceOf(LocalEmbeddingProvider);
    expect(provider.model).toBe('local/universal-sentence-encoder-lite');
    expect(provider.dimensions).toBe(512);
    expect((provider as LocalEmbeddingProvider).stats().workers).toBe(0);
    await provider.close();
  });

  it('builds an OpenAI-compatible provider, e.g. for OpenRouter', async () => {
    const provider = createEmbeddingProvider({
      provider: 'openai',
      openai: { baseUrl: OPENROUTER_BASE_URL, apiKey: 'k', model: 'openai/text-embedding-3-small' },
    });
    expect(provider).toBeInstanceOf(OpenAIEmbeddingProvider);
    expect(provider.model).toBe('openai/openai/text-embedding-3-small');
    expect(provider.dimensions).toBe(1536);
    await provider.close();
  });

  it('rejects an openai provider without options and a malformed base URL', () => {
    expect(() => createEmbeddingProvider({ provider: 'openai' })).toThrow(/needs its options/);
    expect(() =>
      createEmbeddingProvider({ provider: 'openai', openai: { baseUrl: 'not a url', model: 'm' } }),
    ).toThrow(/not a valid URL/);
  });
});
