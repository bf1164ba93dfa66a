import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.js';

/**
 * The configured JWT secret, or in embedded mode one generated on first start and kept in DATA_DIR (mode 0600),
 * so a fresh install is secure with no configuration and sessions survive restarts.
 */
export function resolveJwtSecret(config: Config): string {
  if (config.JWT_SECRET_KEY) return config.JWT_SECRET_KEY;
  if (config.databaseMode === 'server') throw new Error('JWT_SECRET_KEY is required in server mode');
  mkdirSync(config.DATA_DIR, { recursive: true });
  const file = resolve(config.DATA_DIR, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
