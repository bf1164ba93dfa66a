import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/**
 * The only reader of the environment. Every option is declared here once, with its default and a description
 * (the README's configuration table is generated from these descriptions by `ainstruct config --markdown`).
 * Variable names are the original's, read case-insensitively, from the process environment and then `.env`.
 */

const bool = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const normal = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normal)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(normal)) return false;
  ctx.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` });
  return z.NEVER;
});

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const PUBLIC_DEFAULT_JWT_SECRET = 'change-this-secret-in-production';

const schema = z.object({
  HOST: z.string().default('0.0.0.0').describe('Interface to listen on.'),
  PORT: int(0, 65535).default(8000).describe('Port for REST, MCP, the web UI and health endpoints.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe(
      'Log level (pino). Every request is logged as one line at debug; slow requests at warn, client errors at info, server errors at error.',
    ),
  SLOW_REQUEST_MS: int(1, 3_600_000)
    .default(2000)
    .describe('A request taking at least this long is logged at warn as a slow request.'),
  PUBLIC_URL: optionalString.describe(
    'Externally visible base URL (e.g. https://memory.example.com); used in MCP metadata, client configs and as the OAuth issuer.',
  ),
  TRUST_PROXY: bool.default(false).describe('Trust X-Forwarded-* headers (set when behind a reverse proxy).'),

  DATABASE_URL: optionalString.describe(
    'PostgreSQL URL (postgres://, postgresql:// or the original postgresql+asyncpg://). Unset: embedded PGlite.',
  ),
  DATA_DIR: z
    .string()
    .default('./data')
    .describe('Where embedded mode keeps its database and generated secret.'),
  EMBEDDED_SHARED_BUFFERS_MB: int(16, 4096)
    .default(32)
    .describe(
      "Embedded mode: PostgreSQL's buffer pool inside the process, in MB. The data files are cached by the operating system as well; raise it for large embedded databases if memory allows.",
    ),
  DB_POOL_SIZE: int(1, 500).default(10).describe('Maximum connections per instance (server mode).'),
  DB_POOL_TIMEOUT: int(1, 600).default(30).describe('Seconds to wait for a connection before failing.'),
  DB_IDLE_TIMEOUT: int(0, 86_400).default(300).describe('Seconds an idle pooled connection is kept.'),

  JWT_SECRET_KEY: optionalString.describe(
    'HMAC secret for access tokens. Required in server mode; generated once into DATA_DIR in embedded mode.',
  ),
  JWT_ALGORITHM: z.enum(['HS256', 'HS384', 'HS512']).default('HS256').describe('JWT signing algorithm.'),
  JWT_ACCESS_TOKEN_EXPIRE_MINUTES: int(1, 1440)
    .default(30)
    .describe(
      'Access token lifetime in minutes. JWTs without an expiry or valid for longer (plus a minute of clock ' +
        'skew) are refused, even when correctly signed.',
    ),
  JWT_REFRESH_TOKEN_EXPIRE_DAYS: int(1, 365).default(7).describe('Refresh token lifetime in days.'),
  ADMIN_API_KEY: optionalString.describe(
    'Key for POST /api/v1/admin/users/{id}/promote (X-Admin-API-Key). Unset: that route answers 503.',
  ),
  AINSTRUCT_TOKEN: optionalString.describe(
    'For `ainstruct mcp` only: the personal or collection access token the stdio MCP server acts as.',
  ),
  REGISTRATION_ENABLED: bool.default(true).describe('Allow self-registration at POST /api/v1/auth/register.'),
  OAUTH_ENABLED: bool
    .default(true)
    .describe(
      'Be the OAuth 2.1 authorization server MCP clients log in through (/oauth, RFC 8414 metadata).',
    ),
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400)
    .default(3600)
    .describe('Lifetime of an OAuth access token; clients refresh after it.'),
  OAUTH_REFRESH_TOKEN_TTL_DAYS: int(1, 365)
    .default(30)
    .describe('Lifetime of an OAuth grant and its (rotating) refresh tokens.'),
  OAUTH_CIMD_ALLOW_PRIVATE_HOSTS: bool
    .default(false)
    .describe(
      'Fetch OAuth client metadata documents from private and loopback addresses too (tests only: SSRF risk).',
    ),
  RATE_LIMIT_OAUTH_REGISTER_PER_HOUR: int(1, 1_000_000)
    .default(20)
    .describe('OAuth dynamic client registrations per hour per client IP.'),

  PAT_DEFAULT_EXPIRY_DAYS: int(1, 3650).default(90).describe('PAT lifetime when none is requested.'),
  PAT_MAX_EXPIRY_DAYS: int(1, 3650).default(365).describe('Longest PAT lifetime that may be requested.'),
  CAT_DEFAULT_EXPIRY_DAYS: int(1, 3650).default(90).describe('CAT lifetime when none is requested.'),
  CAT_MAX_EXPIRY_DAYS: int(1, 3650).default(365).describe('Longest CAT lifetime that may be requested.'),
  LAST_USED_FLUSH_SECONDS: int(1, 3600)
    .default(30)
    .describe('How often token last_used times are written (batched, not one write per request).'),
  USAGE_FLUSH_MS: int(100, 10_000)
    .default(1000)
    .describe(
      'How often counted API/MCP calls are added to the usage table (one statement per flush, not one write per request). A kill -9 loses at most this much of the last counts; a normal shutdown loses none.',
    ),

  RATE_LIMIT_AUTH_PER_MINUTE: int(1, 100_000)
    .default(20)
    .describe('Requests per minute per client IP on login, register and refresh.'),
  RATE_LIMIT_PER_MINUTE: int(1, 1_000_000)
    .default(600)
    .describe('Requests per minute per credential (token) or, unauthenticated, per IP, on the API and MCP.'),
  RATE_LIMIT_FAILED_AUTH_PER_MINUTE: int(1, 1_000_000)
    .default(30)
    .describe(
      'Failed credential checks per minute per client IP (per /64 for IPv6); past it, credentials this ' +
        'instance has not recently seen succeed are refused with 429 before any database lookup.',
    ),
  REDIS_URL: optionalString.describe(
    'Redis URL for the state instances share: rate-limit and failed-authentication counters, in-flight ' +
      'store leases, pending last_used times. Unset: kept in each process (right for one instance).',
  ),
  REDIS_KEY_PREFIX: z
    .string()
    .default('ainstruct:')
    .describe('Prefix of every Redis key, so several deployments can share one Redis.'),

  VECTOR_STORE: z
    .enum(['pgvector', 'qdrant'])
    .default('pgvector')
    .describe(
      'Where nearest-neighbour search runs: pgvector (in PostgreSQL, one transaction per write) or qdrant ' +
        '(QDRANT_URL; vectors also kept in PostgreSQL, the source of truth, and applied to Qdrant through an outbox).',
    ),
  QDRANT_URL: z
    .string()
    .default('http://localhost:6333')
    .describe('Qdrant REST URL, used with VECTOR_STORE=qdrant.'),
  QDRANT_API_KEY: optionalString.describe(
    'Qdrant API key (sent as the api-key header), if the server needs one.',
  ),
  QDRANT_COLLECTION_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1-64)')
    .default('ainstruct')
    .describe(
      'Prefix of the Qdrant collection names: one collection per embedding model, <prefix>_<model>_<dimensions>.',
    ),
  QDRANT_TIMEOUT_MS: int(100, 120_000)
    .default(5000)
    .describe(
      'Time a Qdrant request may take before it counts as failed (searches then fall back to keyword).',
    ),

  MAX_BODY_BYTES: int(1024, 1024 * 1024 * 1024)
    .default(6 * 1024 * 1024)
    .describe('Largest accepted request body in bytes (413 above).'),
  MAX_DOCUMENT_BYTES: int(1, 1024 * 1024 * 1024)
    .default(5 * 1024 * 1024)
    .describe('Largest document content in UTF-8 bytes (413 above).'),
  CHUNK_MAX_TOKENS: int(32, 8192).default(400).describe('Largest chunk in cl100k tokens.'),
  CHUNK_OVERLAP_TOKENS: int(0, 1024).default(50).describe('Tokens repeated between consecutive chunks.'),
  JOBS_BACKGROUND_OVER_BYTES: int(0, 1024 * 1024 * 1024)
    .default(200 * 1024)
    .describe(
      'A document store with more content than this (UTF-8 bytes) runs in the background: 202 with a job to poll at GET /api/v1/jobs/{id}. About 150 chunks, ~7 s of embedding on the bundled model at 20 chunks/s; 0 sends every store to the background.',
    ),
  JOBS_CONCURRENCY: int(0, 64)
    .default(1)
    .describe('Background jobs this instance runs at once; 0 runs none here (other instances do).'),
  JOBS_LEASE_SECONDS: int(2, 3600)
    .default(60)
    .describe(
      "How long a running job's claim lasts unless renewed (it is, every third of it); a killed instance's jobs are taken over after it.",
    ),

  EMBEDDING_PROVIDER: z
    .enum(['local', 'openai'])
    .optional()
    .describe(
      'local (bundled model, default) or openai (any OpenAI-compatible endpoint; default when OPENROUTER_API_KEY or EMBEDDING_API_URL is set).',
    ),
  EMBEDDING_MODEL: z
    .string()
    .default('Qwen/Qwen3-Embedding-8B')
    .describe('Model name for the openai provider.'),
  EMBEDDING_DIMENSIONS: int(1, 16_000).optional().describe('Vector size requested from the openai provider.'),
  EMBEDDING_API_URL: optionalString.describe(
    'Base URL of an OpenAI-compatible API (…/v1). Default: OpenRouter.',
  ),
  EMBEDDING_API_KEY: optionalString.describe('API key for EMBEDDING_API_URL.'),
  OPENROUTER_API_KEY: optionalString.describe('OpenRouter API key (the original default provider).'),
  EMBEDDING_WORKERS: int(0, 64).default(0).describe('Worker threads for the local model (0: one per CPU).'),
  EMBEDDING_IDLE_SECONDS: int(0, 86_400)
    .default(300)
    .describe(
      'The local model workers stop after this long without work and give their memory back (~130 MB each); the next embedding starts them again in a second or two. 0: never.',
    ),
  EMBEDDING_BATCH_SIZE: int(1, 2048).default(64).describe('Texts per request for the openai provider.'),
  EMBEDDING_CONCURRENCY: int(1, 64).default(4).describe('Parallel requests for the openai provider.'),
  EMBEDDING_MAX_RETRIES: int(0, 20)
    .default(4)
    .describe('Retries on 429/5xx/timeouts for the openai provider.'),
  EMBEDDING_TIMEOUT_SECONDS: int(1, 600).default(30).describe('Timeout per embedding request.'),

  EMBEDDINGS_MAX_INPUTS: int(1, 100_000)
    .default(256)
    .describe('Most inputs in one POST /v1/embeddings request (413 above).'),
  EMBEDDINGS_MAX_INPUT_TOKENS: int(1, 10_000_000)
    .default(8192)
    .describe('Longest single input to POST /v1/embeddings, in cl100k tokens (413 above).'),
  EMBEDDINGS_MAX_TOTAL_TOKENS: int(1, 100_000_000)
    .default(100_000)
    .describe('Most cl100k tokens over all inputs of one POST /v1/embeddings request (413 above).'),
  EMBEDDINGS_ALLOW_READ_TOKENS: bool
    .default(false)
    .describe(
      'Let read-only PATs and collection access tokens (CATs) use POST /v1/embeddings; by default it takes ' +
        "a JWT or a read_write PAT, since it spends the server's compute.",
    ),

  HYBRID_KEYWORD_WEIGHT: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'Fixed weight of the keyword leg in hybrid search (0–1). Unset: chosen per query by match strength ' +
        '(see Search in the README).',
    ),
  SEARCH_EXACT_SCAN_LIMIT: int(0, 100_000_000)
    .default(20_000)
    .describe(
      'Scopes with at most this many chunks are searched exactly; larger ones through the HNSW index.',
    ),
  SEARCH_MAX_RESULTS: int(1, 50).default(5).describe('Default number of search results.'),
  SEARCH_MAX_TOKENS: int(1, 20_000).default(2000).describe('Default token budget of a search response.'),
  SEARCH_MIN_SCORE: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.05)
    .describe(
      'Default relevance floor (0–1): results scoring below it are not returned, so a question without a good ' +
        'match gets a short or empty answer. 0 returns everything ranked.',
    ),

  RERANK_PROVIDER: z
    .enum(['none', 'cohere', 'jina', 'tei', 'vllm'])
    .default('none')
    .describe(
      'Cross-encoder reranker for search: none (default); cohere, jina or vllm (the Cohere/Jina /rerank ' +
        'shape); tei (Hugging Face text-embeddings-inference). See Reranking in the README.',
    ),
  RERANK_API_URL: optionalString.describe(
    'Full URL of the rerank endpoint (e.g. http://tei:8080/rerank, http://vllm:8000/v1/rerank). Required ' +
      'for tei and vllm; default for cohere https://api.cohere.com/v2/rerank, for jina https://api.jina.ai/v1/rerank.',
  ),
  RERANK_API_KEY: optionalString.describe(
    'Bearer token for RERANK_API_URL. Required for cohere and jina at their default URLs.',
  ),
  RERANK_MODEL: optionalString.describe(
    'Reranker model name (e.g. rerank-v3.5, jina-reranker-v2-base-multilingual). Required for cohere and ' +
      'jina; optional for vllm (its served model); tei serves one model and ignores it.',
  ),
  RERANK_TIMEOUT_MS: int(50, 60_000)
    .default(3000)
    .describe('Time the reranker gets per search; past it the search answers in its unreranked order.'),
  RERANK_TOP_N: int(1, 200)
    .default(30)
    .describe('How many of the best-ranked chunks are sent to the reranker and reordered by it.'),

  CORS_ORIGINS: optionalString.describe('Comma-separated origins allowed to call the API from a browser.'),
});

export type Config = z.output<typeof schema> & {
  /** 'embedded' when DATABASE_URL is unset. */
  databaseMode: 'embedded' | 'server';
  /** DATABASE_URL with the original's `+asyncpg` driver suffix removed. */
  databaseUrl: string | undefined;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof typeof schema.shape)[];

/** Reads `.env` (when present) under the real environment: real variables win. Keys are matched ignoring case. */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  dotenvPath: string | undefined = resolve('.env'),
): Record<string, string> {
  const merged: Record<string, string> = {};
  const known = new Map(CONFIG_KEYS.map((key) => [key.toLowerCase(), key as string]));
  const put = (source: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(source)) {
      const canonical = known.get(key.toLowerCase());
      if (canonical && value !== undefined) merged[canonical] = value;
    }
  };
  if (dotenvPath && existsSync(dotenvPath)) put(parseDotenv(readFileSync(dotenvPath)));
  put(env);
  return merged;
}

export function loadConfig(source: Record<string, string | undefined> = readEnvironment()): Config {
  // An empty value (`PORT=` in a copied .env.example, `${VAR:-}` in compose) means "unset": use the default.
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const values = result.data;
  const databaseUrl = values.DATABASE_URL?.replace(/^postgresql\+asyncpg:/, 'postgresql:');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_URL: must start with postgres:// or postgresql://',
    );
  }
  if (values.PAT_DEFAULT_EXPIRY_DAYS > values.PAT_MAX_EXPIRY_DAYS) {
    throw new ConfigError(
      'Invalid configuration:\n  PAT_DEFAULT_EXPIRY_DAYS: larger than PAT_MAX_EXPIRY_DAYS',
    );
  }
  if (values.CAT_DEFAULT_EXPIRY_DAYS > values.CAT_MAX_EXPIRY_DAYS) {
    throw new ConfigError(
      'Invalid configuration:\n  CAT_DEFAULT_EXPIRY_DAYS: larger than CAT_MAX_EXPIRY_DAYS',
    );
  }
  if (values.CHUNK_OVERLAP_TOKENS >= values.CHUNK_MAX_TOKENS) {
    throw new ConfigError(
      'Invalid configuration:\n  CHUNK_OVERLAP_TOKENS: must be smaller than CHUNK_MAX_TOKENS',
    );
  }
  const rerankProblem = rerankConfigProblem(values);
  if (rerankProblem) throw new ConfigError(`Invalid configuration:\n  ${rerankProblem}`);
  const databaseMode = databaseUrl ? 'server' : 'embedded';
  if (
    databaseMode === 'server' &&
    (!values.JWT_SECRET_KEY || values.JWT_SECRET_KEY === PUBLIC_DEFAULT_JWT_SECRET)
  ) {
    throw new ConfigError(
      'Invalid configuration:\n  JWT_SECRET_KEY: required with DATABASE_URL and must not be the public default; ' +
        'set it to a long random value (e.g. `openssl rand -base64 48`) shared by all instances',
    );
  }
  if (values.JWT_SECRET_KEY && values.JWT_SECRET_KEY.length < 32) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET_KEY: must be at least 32 characters');
  }
  return { ...values, databaseMode, databaseUrl };
}

/** Providers with a public hosted endpoint, used when RERANK_API_URL is unset. */
export const RERANK_DEFAULT_URLS: Partial<Record<z.output<typeof schema>['RERANK_PROVIDER'], string>> = {
  cohere: 'https://api.cohere.com/v2/rerank',
  jina: 'https://api.jina.ai/v1/rerank',
};

/**
 * The reranker variables only make sense together; a half-configured reranker would fail on every search
 * (and silently fall back), so it is refused at startup instead.
 */
function rerankConfigProblem(values: z.output<typeof schema>): string | undefined {
  const provider = values.RERANK_PROVIDER;
  if (provider === 'none') {
    const stray = (['RERANK_API_URL', 'RERANK_API_KEY', 'RERANK_MODEL'] as const).find((key) => values[key]);
    return stray
      ? `${stray}: set, but RERANK_PROVIDER is none; set RERANK_PROVIDER (cohere, jina, tei or vllm) or unset ${stray}`
      : undefined;
  }
  const url = values.RERANK_API_URL;
  if (url !== undefined && !/^https?:\/\//.test(url)) {
    return 'RERANK_API_URL: must start with http:// or https://';
  }
  if (url !== undefined && !URL.canParse(url)) return 'RERANK_API_URL: not a valid URL';
  if (url === undefined && !RERANK_DEFAULT_URLS[provider]) {
    return `RERANK_API_URL: required with RERANK_PROVIDER=${provider} (the full URL of its rerank endpoint)`;
  }
  if (url === undefined && !values.RERANK_API_KEY) {
    return `RERANK_API_KEY: required with RERANK_PROVIDER=${provider} at its hosted URL`;
  }
  if ((provider === 'cohere' || provider === 'jina') && !values.RERANK_MODEL) {
    return `RERANK_MODEL: required with RERANK_PROVIDER=${provider}`;
  }
  return undefined;
}

/** Markdown table of every option, for the README. */
export function configReference(): string {
  const rows = CONFIG_KEYS.map((key) => {
    const field = schema.shape[key];
    const parsed = field.safeParse(undefined);
    const fallback = parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '–';
    return `| \`${key}\` | ${fallback} | ${field.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
