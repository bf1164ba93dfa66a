import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, PUBLIC_DEFAULT_JWT_SECRET, readEnvironment } from './config.js';

const SECRET = 'unit-test-secret-0123456789-abcdefghij';
const tempDir = mkdtempSync(join(tmpdir(), 'ainstruct-config-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

/** The ConfigError thrown for a configuration, or a failure if none is thrown. */
function configError(source: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(source)}`);
}

describe('loadConfig defaults', () => {
  it('gives every documented default with an empty environment (embedded mode)', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      HOST: '0.0.0.0',
      PORT: 8000,
      LOG_LEVEL: 'info',
      TRUST_PROXY: false,
      DATA_DIR: './data',
      DB_POOL_SIZE: 10,
      JWT_ALGORITHM: 'HS256',
      JWT_ACCESS_TOKEN_EXPIRE_MINUTES: 30,
      JWT_REFRESH_TOKEN_EXPIRE_DAYS: 7,
      REGISTRATION_ENABLED: true,
      PAT_DEFAULT_EXPIRY_DAYS: 90,
      PAT_MAX_EXPIRY_DAYS: 365,
      CAT_DEFAULT_EXPIRY_DAYS: 90,
      CAT_MAX_EXPIRY_DAYS: 365,
      RATE_LIMIT_AUTH_PER_MINUTE: 20,
      CHUNK_MAX_TOKENS: 400,
      CHUNK_OVERLAP_TOKENS: 50,
      SEARCH_MAX_RESULTS: 5,
      SEARCH_MAX_TOKENS: 2000,
      databaseMode: 'embedded',
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.JWT_SECRET_KEY).toBeUndefined();
    expect(config.ADMIN_API_KEY).toBeUndefined();
  });

  it('coerces numbers and booleans from strings', () => {
    const config = loadConfig({
      PORT: '9001',
      TRUST_PROXY: 'yes',
      REGISTRATION_ENABLED: 'false',
      DB_POOL_SIZE: '3',
    });
    expect(config.PORT).toBe(9001);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.REGISTRATION_ENABLED).toBe(false);
    expect(config.DB_POOL_SIZE).toBe(3);
  });

  it('treats an empty value as unset, so a copied .env.example with blank lines still loads', () => {
    const config = loadConfig({
      CAT_DEFAULT_EXPIRY_DAYS: '',
      PORT: '',
      REGISTRATION_ENABLED: '',
      DATA_DIR: '  ',
    });
    expect(config.CAT_DEFAULT_EXPIRY_DAYS).toBe(90);
    expect(config.PORT).toBe(8000);
    expect(config.REGISTRATION_ENABLED).toBe(true);
    expect(config.DATA_DIR).toBe('./data');
  });
});

describe('readEnvironment', () => {
  it('matches variable names ignoring case and drops unknown variables', () => {
    const merged = readEnvironment(
      { port: '1234', Log_Level: 'debug', jwt_secret_key: SECRET, PATH: '/usr/bin', HOME: '/root' },
      undefined,
    );
    expect(merged).toEqual({ PORT: '1234', LOG_LEVEL: 'debug', JWT_SECRET_KEY: SECRET });
    const config = loadConfig(merged);
    expect(config.PORT).toBe(1234);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('reads a .env file, and real environment variables win over it', () => {
    const file = join(tempDir, 'dotenv-test.env');
    writeFileSync(
      file,
      [
        '# a comment',
        'PORT=1111',
        'log_level=warn',
        'PAT_DEFAULT_EXPIRY_DAYS=30',
        'SOMETHING_ELSE=ignored',
        '',
      ].join('\n'),
    );
    const merged = readEnvironment({ port: '2222' }, file);
    expect(merged).toEqual({ PORT: '2222', LOG_LEVEL: 'warn', PAT_DEFAULT_EXPIRY_DAYS: '30' });
    const config = loadConfig(merged);
    expect(config.PORT).toBe(2222);
    expect(config.LOG_LEVEL).toBe('warn');
    expect(config.PAT_DEFAULT_EXPIRY_DAYS).toBe(30);
  });

  it('ignores a .env path that does not exist', () => {
    expect(readEnvironment({ HOST: '127.0.0.1' }, join(tempDir, 'missing.env'))).toEqual({
      HOST: '127.0.0.1',
    });
  });
});

describe('database URL', () => {
  it("accepts the original's postgresql+asyncpg:// scheme and normalizes it", () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql+asyncpg://ainstruct:pw@db.internal:5432/ainstruct',
      JWT_SECRET_KEY: SECRET,
    });
    expect(config.databaseMode).toBe('server');
    expect(config.databaseUrl).toBe('postgresql://ainstruct:pw@db.internal:5432/ainstruct');
  });

  it('accepts postgres:// and postgresql:// unchanged', () => {
    for (const url of ['postgres://u@localhost/db', 'postgresql://u@localhost:5433/db?sslmode=require']) {
      const config = loadConfig({ DATABASE_URL: url, JWT_SECRET_KEY: SECRET });
      expect(config.databaseUrl).toBe(url);
      expect(config.databaseMode).toBe('server');
    }
  });

  it('rejects other schemes, naming DATABASE_URL', () => {
    const error = configError({ DATABASE_URL: 'mysql://u@localhost/db', JWT_SECRET_KEY: SECRET });
    expect(error.message).toContain('DATABASE_URL');
  });
});

describe('invalid values name the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['REGISTRATION_ENABLED', 'maybe'],
    ['JWT_ACCESS_TOKEN_EXPIRE_MINUTES', '0'],
    ['JWT_ALGORITHM', 'none'],
    ['PAT_DEFAULT_EXPIRY_DAYS', '1.5'],
    ['EMBEDDING_PROVIDER', 'magic'],
  ])('%s=%s', (key, value) => {
    const error = configError({ [key]: value });
    expect(error.message).toMatch(/^Invalid configuration:/);
    expect(error.message).toContain(`${key}:`);
  });

  it('reports every invalid variable at once', () => {
    const error = configError({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(error.message).toContain('PORT:');
    expect(error.message).toContain('LOG_LEVEL:');
  });

  it('rejects a default expiry above the maximum', () => {
    expect(configError({ PAT_DEFAULT_EXPIRY_DAYS: '400' }).message).toContain('PAT_DEFAULT_EXPIRY_DAYS');
    expect(configError({ CAT_DEFAULT_EXPIRY_DAYS: '100', CAT_MAX_EXPIRY_DAYS: '30' }).message).toContain(
      'CAT_DEFAULT_EXPIRY_DAYS',
    );
  });

  it('rejects a chunk overlap that is not smaller than the chunk size', () => {
    expect(configError({ CHUNK_MAX_TOKENS: '64', CHUNK_OVERLAP_TOKENS: '64' }).message).toContain(
      'CHUNK_OVERLAP_TOKENS',
    );
  });
});

describe('JWT secret', () => {
  const url = 'postgres://u@localhost/db';

  it('server mode refuses to start without JWT_SECRET_KEY', () => {
    expect(configError({ DATABASE_URL: url }).message).toContain('JWT_SECRET_KEY');
    expect(configError({ DATABASE_URL: url, JWT_SECRET_KEY: '   ' }).message).toContain('JWT_SECRET_KEY');
  });

  it('server mode refuses the public default secret', () => {
    expect(configError({ DATABASE_URL: url, JWT_SECRET_KEY: PUBLIC_DEFAULT_JWT_SECRET }).message).toContain(
      'JWT_SECRET_KEY',
    );
  });

  it('refuses a short secret in either mode', () => {
    expect(configError({ DATABASE_URL: url, JWT_SECRET_KEY: 'short' }).message).toContain('JWT_SECRET_KEY');
    expect(configError({ JWT_SECRET_KEY: 'x'.repeat(31) }).message).toContain('JWT_SECRET_KEY');
  });

  it('server mode accepts a long non-default secret', () => {
    const config = loadConfig({ DATABASE_URL: url, JWT_SECRET_KEY: SECRET });
    expect(config.JWT_SECRET_KEY).toBe(SECRET);
  });

  it('embedded mode needs no secret (one is generated into DATA_DIR)', () => {
    const config = loadConfig({ DATA_DIR: tempDir });
    expect(config.databaseMode).toBe('embedded');
    expect(config.JWT_SECRET_KEY).toBeUndefined();
    expect(config.DATA_DIR).toBe(tempDir);
  });
});

describe('reranker', () => {
  it('is off by default, with a bounded timeout and candidate count', () => {
    expect(loadConfig({})).toMatchObject({
      RERANK_PROVIDER: 'none',
      RERANK_TIMEOUT_MS: 3000,
      RERANK_TOP_N: 30,
    });
    expect(configError({ RERANK_TIMEOUT_MS: '0' }).message).toContain('RERANK_TIMEOUT_MS');
    expect(configError({ RERANK_TOP_N: '1000' }).message).toContain('RERANK_TOP_N');
    expect(configError({ RERANK_PROVIDER: 'openai' }).message).toContain('RERANK_PROVIDER');
  });

  it('refuses reranker settings while the provider is none, instead of ignoring them', () => {
    expect(configError({ RERANK_API_URL: 'http://tei:8080/rerank' }).message).toContain(
      'RERANK_API_URL: set, but RERANK_PROVIDER is none',
    );
    expect(configError({ RERANK_MODEL: 'rerank-v3.5' }).message).toContain('RERANK_MODEL');
  });

  it('requires a URL for the self-hosted providers, and an http(s) one', () => {
    expect(configError({ RERANK_PROVIDER: 'tei' }).message).toContain('RERANK_API_URL: required');
    expect(configError({ RERANK_PROVIDER: 'vllm', RERANK_MODEL: 'm' }).message).toContain(
      'RERANK_API_URL: required',
    );
    expect(configError({ RERANK_PROVIDER: 'tei', RERANK_API_URL: 'ftp://tei/rerank' }).message).toContain(
      'RERANK_API_URL: must start with http',
    );
    expect(loadConfig({ RERANK_PROVIDER: 'tei', RERANK_API_URL: 'http://tei:8080/rerank' })).toMatchObject({
      RERANK_PROVIDER: 'tei',
      RERANK_API_URL: 'http://tei:8080/rerank',
    });
    expect(
      loadConfig({ RERANK_PROVIDER: 'vllm', RERANK_API_URL: 'http://vllm:8000/v1/rerank' }).RERANK_MODEL,
    ).toBe(undefined);
  });

  it('requires a key at the hosted URLs and a model for cohere and jina', () => {
    expect(configError({ RERANK_PROVIDER: 'cohere', RERANK_MODEL: 'rerank-v3.5' }).message).toContain(
      'RERANK_API_KEY: required',
    );
    expect(configError({ RERANK_PROVIDER: 'jina', RERANK_API_KEY: 'k' }).message).toContain(
      'RERANK_MODEL: required',
    );
    expect(
      configError({ RERANK_PROVIDER: 'cohere', RERANK_API_URL: 'http://proxy/v2/rerank' }).message,
    ).toContain('RERANK_MODEL: required');
    expect(
      loadConfig({ RERANK_PROVIDER: 'cohere', RERANK_API_KEY: 'k', RERANK_MODEL: 'rerank-v3.5' })
        .RERANK_API_URL,
    ).toBeUndefined();
  });
});
