import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const PAT_PREFIX = 'pat_live_';
export const CAT_PREFIX = 'cat_live_';
export const REFRESH_PREFIX = 'rt_';

/** 32 random bytes, URL-safe base64 (43 characters), behind a prefix that says what the secret is. */
export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Secrets are 256-bit random values, so a plain SHA-256 is a safe lookup key (no salt or stretching needed). */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time string comparison (hashing first makes the lengths equal and hides the length). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
