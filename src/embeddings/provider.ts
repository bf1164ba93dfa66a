/**
 * The contract every embedding backend fulfils. Services depend on this interface only; which backend is used
 * is decided once, in `registry.ts`.
 */

/**
 * Some models embed a search query differently from the passage it should find (e.g. instruction prefixes).
 */
export type EmbeddingPurpose = 'document' | 'query';

export interface EmbeddingProvider {
  /**
   * Identity of the model, recorded next to every stored vector so that vectors from different models are
   * never compared, e.g. `local/universal-sentence-encoder-lite` or `openai/text-embedding-3-small`.
   */
  readonly model: string;
  /**
   * Length of every vector this provider returns. An `openai` provider whose dimension was neither configured
   * nor known in advance reports 0 until its first successful response (or `warmup()`) has taught it the
   * value.
   */
  readonly dimensions: number;
  /**
   * Embeds `texts` and returns one L2-normalised vector per text, in input order. Empty and whitespace-only
   * texts are accepted and get a fixed, deterministic vector. Rejects with `EmbeddingUnavailableError` when
   * the backend cannot produce vectors.
   */
  embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Float32Array[]>;
  /**
   * Optional: pay start-up costs now (load the local model in every worker, or learn a remote model's
   * dimension) instead of on the first request. Rejects with `EmbeddingUnavailableError` if the provider
   * cannot start.
   */
  warmup?(): Promise<void>;
  /**
   * Optional readiness check that is cheaper than embedding a probe, e.g. without waking a pool stopped for
   * being idle. Rejects like `embed` when the provider cannot embed.
   */
  check?(): Promise<void>;
  /** Releases threads, sockets and timers. Pending and later `embed` calls reject. Safe to call twice. */
  close(): Promise<void>;
}
