import type { EmbeddingProvider, EmbeddingPurpose } from '../../src/embeddings/provider.js';
import { createEmbeddingProvider } from '../../src/embeddings/registry.js';

export interface EmbedCall {
  purpose: EmbeddingPurpose;
  texts: string[];
}

/**
 * Instrumentation, not a mock: a thin wrapper around a REAL provider that records which texts were passed to
 * `embed()`, so tests can observe how much embedding work a request caused.
 */
export class CountingEmbedder implements EmbeddingProvider {
  readonly calls: EmbedCall[] = [];

  constructor(readonly inner: EmbeddingProvider) {}

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  /** Texts embedded for documents so far (queries are not counted). */
  get documentTexts(): number {
    return this.documentTextList().length;
  }

  documentTextList(): string[] {
    return this.calls.filter((c) => c.purpose === 'document').flatMap((c) => c.texts);
  }

  embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Float32Array[]> {
    this.calls.push({ purpose, texts: [...texts] });
    return this.inner.embed(texts, purpose);
  }

  async warmup(): Promise<void> {
    await this.inner.warmup?.();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The real bundled local model with one worker thread (the CPUs are shared), wrapped for counting. */
export function countingLocalEmbedder(workers = 1): CountingEmbedder {
  return new CountingEmbedder(createEmbeddingProvider({ provider: 'local', localWorkers: workers }));
}
