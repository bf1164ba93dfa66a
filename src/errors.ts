/**
 * Typed application errors. Services throw these; the HTTP layer and the MCP layer each turn them into their
 * own response shape in exactly one place (REST: `{"detail": {"code", "message"}}`, MCP: an `isError` result).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new AppError(400, code, message, details);
export const unauthorized = (code: string, message: string) => new AppError(401, code, message);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const unprocessable = (code: string, message: string, details?: unknown) =>
  new AppError(422, code, message, details);
export const tooLarge = (code: string, message: string) => new AppError(413, code, message);

/**
 * Too many requests of a kind from one client. The HTTP layer sends `retryAfterSeconds` as Retry-After, on REST
 * and on /mcp alike.
 */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(429, 'RATE_LIMITED', message);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The embedding provider could not produce vectors (down, rate limited past retries, misconfigured). */
export class EmbeddingUnavailableError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(503, 'EMBEDDING_UNAVAILABLE', message);
    this.name = 'EmbeddingUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * The vector store cannot answer now (Qdrant down, failing or too slow). Semantic search answers 503 with it;
 * hybrid search falls back to its keyword leg and says so in the response.
 */
export class VectorStoreUnavailableError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(503, 'VECTOR_STORE_UNAVAILABLE', message);
    this.name = 'VectorStoreUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
