import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type ErrorOut, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { usersRepository } from '../modules/users/users.repository.js';
import { adapterFactory } from './adapter.js';
import { consentPath, OAUTH_ROUTES, OAUTH_SCOPES } from './paths.js';
import { isPrivateHost } from './private-hosts.js';

export interface ProviderDeps {
  config: Config;
  db: Database;
  /** Signs oidc-provider's cookies; shared by every instance so any of them can resume an interaction. */
  cookieKey: string;
}

/** One signing key per process: tokens are opaque (looked up in the database), so nothing verifies it. */
let signingKey: Promise<Record<string, unknown>> | undefined;
function processSigningKey() {
  signingKey ??= generateKeyPair('ES256', { extractable: true }).then(async ({ privateKey }) => ({
    ...(await exportJWK(privateKey)),
    alg: 'ES256',
    use: 'sig',
  }));
  return signingKey;
}

/**
 * With OAUTH_CIMD_ALLOW_PRIVATE_HOSTS the library's special-use-address check is dropped (tests serve their
 * metadata documents on loopback): the request then goes through the process's global dispatcher.
 */
function metadataFetch(allowPrivate: boolean): NonNullable<Configuration['fetch']> {
  return (url, options) => {
    if (!allowPrivate) return globalThis.fetch(url, options);
    const { dispatcher: _ssrfCheck, ...rest } = options as RequestInit & { dispatcher?: unknown };
    return globalThis.fetch(url, rest);
  };
}

/** An RFC 6749 error body for every failure, including those on the authorization endpoint (no HTML page). */
async function renderError(ctx: KoaContextWithOIDC, out: ErrorOut): Promise<void> {
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = out;
}

/** The authorization server for the issuer `issuer` (an origin), whose one resource is `<issuer>/mcp`. */
export async function createProvider(issuer: string, deps: ProviderDeps): Promise<Provider> {
  const { config, db } = deps;
  const resource = `${issuer}/mcp`;
  const configuration: Configuration = {
    adapter: adapterFactory(db),
    clients: [],
    async findAccount(_ctx, id) {
      const user = await usersRepository.findById(db, id).catch(() => undefined);
      if (!user?.isActive) return undefined;
      return { accountId: user.id, claims: async () => ({ sub: user.id }) };
    },
    interactions: { url: (_ctx, interaction) => consentPath(interaction.uid) },
    cookies: { keys: [deps.cookieKey] },
    jwks: { keys: [(await processSigningKey()) as never] },
    scopes: [...OAUTH_SCOPES],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    // The process key is EC; the library's RS256 default would make every registration fail.
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'] },
    pkce: { required: () => true },
    routes: OAUTH_ROUTES,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        // SSRF: no metadata document from a private or loopback host unless explicitly allowed.
        allowFetch: async (_ctx: unknown, clientId: string) =>
          config.OAUTH_CIMD_ALLOW_PRIVATE_HOSTS || !isPrivateHost(clientId),
      } as never,
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget(`the only resource here is ${resource}`);
          return {
            scope: OAUTH_SCOPES.join(' '),
            audience: resource,
            accessTokenTTL: config.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    fetch: metadataFetch(config.OAUTH_CIMD_ALLOW_PRIVATE_HOSTS),
    fetchResponseBodyLimits: { 'client_id metadata document': 5 * 1024 } as never,
    ttl: {
      AccessToken: config.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: config.OAUTH_REFRESH_TOKEN_TTL_DAYS * 86400,
      RefreshToken: config.OAUTH_REFRESH_TOKEN_TTL_DAYS * 86400,
    },
    rotateRefreshToken: true,
    // A refresh token for every client that registered the refresh_token grant (MCP clients do), without
    // OpenID's offline_access scope.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    renderError,
  };
  const provider = new Provider(issuer, configuration);
  // Fastify resolved the issuer (PUBLIC_URL or the loopback origin); src/oauth/mount.ts sets Host and
  // X-Forwarded-Proto to it before handing the request over, so the library must read them.
  provider.proxy = true;
  return provider;
}
