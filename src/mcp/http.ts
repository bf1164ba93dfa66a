import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { AppError } from '../errors.js';
import { OAUTH_SCOPES } from '../oauth/paths.js';

/** HTTP concerns in front of the MCP endpoint: its URLs, the Origin check and the OAuth-style challenge. */

export const MCP_PATH = '/mcp';
/**
 * RFC 9728: the metadata of the resource `<base>/mcp` lives at `/.well-known/oauth-protected-resource/mcp`.
 */
export const RESOURCE_METADATA_PATH = `/.well-known/oauth-protected-resource${MCP_PATH}`;

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The externally visible base URL: PUBLIC_URL when set, else what the request was addressed to. */
export function baseUrl(request: FastifyRequest, config: Config): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '');
  return `${request.protocol}://${request.host}`;
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Origins configured as trusted: PUBLIC_URL's and each of CORS_ORIGINS (a `*` there trusts nothing here). */
export function configuredOrigins(config: Config): Set<string> {
  const listed = (config.CORS_ORIGINS ?? '').split(',').map((entry) => entry.trim());
  return new Set(
    [config.PUBLIC_URL, ...listed].flatMap((entry) => {
      const origin = entry ? originOf(entry) : undefined;
      return origin ? [origin] : [];
    }),
  );
}

/**
 * DNS-rebinding protection. Non-browser clients send no Origin and pass. A browser's Origin must be a
 * configured one, or the server's own origin when it was reached under a loopback name: for any other Host
 * the "own origin" is whatever the page's DNS said, which is exactly what a rebinding attack controls.
 */
export function originAllowed(request: FastifyRequest, trusted: Set<string>): boolean {
  const header = request.headers.origin;
  if (header === undefined) return true;
  const origin = originOf(header);
  if (origin === undefined) return false;
  if (trusted.has(origin)) return true;
  return (
    LOOPBACK_HOSTNAMES.has(request.hostname.toLowerCase()) &&
    origin === originOf(`${request.protocol}://${request.host}`)
  );
}

/**
 * The `WWW-Authenticate` value of a 401 (RFC 6750 with the RFC 9728 `resource_metadata` parameter, and the
 * scopes to ask the authorization server for when there is one).
 */
export function bearerChallenge(metadataUrl: string, error: AppError, scope?: string): string {
  const quote = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const params = [`resource_metadata=${quote(metadataUrl)}`];
  if (scope) params.push(`scope=${quote(scope)}`);
  // A request without credentials gets no error code (RFC 6750 §3.1); a rejected token does.
  if (error.code !== 'UNAUTHORIZED') {
    params.push('error="invalid_token"', `error_description=${quote(error.message)}`);
  }
  return `Bearer ${params.join(', ')}`;
}

/**
 * RFC 9728 protected-resource metadata. `issuer` is the OAuth authorization server for this request's origin
 * (none when OAuth is off, or on a non-loopback Host without PUBLIC_URL: tokens then come from the REST API or
 * web UI only).
 */
export function protectedResourceMetadata(base: string, issuer?: string) {
  return {
    resource: `${base}${MCP_PATH}`,
    bearer_methods_supported: ['header'],
    resource_name: 'ainstruct',
    ...(issuer ? { authorization_servers: [issuer], scopes_supported: [...OAUTH_SCOPES] } : {}),
  };
}

/** A JSON-RPC error body for refusals made before the MCP layer (same shape the SDK uses for its own). */
export function jsonRpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}
