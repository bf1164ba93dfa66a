import { sha256Hex } from '../auth/secrets.js';

/**
 * Models whose id is itself a bearer secret (the token or code a client holds). They are stored under the
 * SHA-256 of the id, and without the id in the payload, as PATs and CATs are: a copy of the database does not
 * hand out working tokens. Everything else (grants, clients, interactions, sessions) keeps its id.
 */
const SECRET_IDS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

export function storedId(kind: string, id: string): string {
  return SECRET_IDS.has(kind) ? sha256Hex(id) : id;
}

/** The payload as stored: a secret model's `jti` (its own id) is dropped. */
export function storedPayload(kind: string, payload: Record<string, unknown>): Record<string, unknown> {
  if (!SECRET_IDS.has(kind)) return payload;
  const { jti: _secret, ...rest } = payload;
  return rest;
}

/** The payload as oidc-provider expects it back: the id the caller presented restored as `jti`. */
export function loadedPayload(kind: string, id: string, payload: Record<string, unknown>) {
  return SECRET_IDS.has(kind) ? { ...payload, jti: id } : payload;
}
