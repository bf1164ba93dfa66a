import type { FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Config } from '../config.js';
import { createProvider, type ProviderDeps } from './provider.js';

const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
/** Loopback origins differ only by port; a bound on how many a local caller can make us build. */
const MAX_LOOPBACK_ISSUERS = 16;

/**
 * The issuer a request belongs to: PUBLIC_URL's origin when set; otherwise the origin of a request made to a
 * loopback name (so `npm start` plus a local client needs no configuration); otherwise none, because any other
 * Host header is whatever the client claims and must not become an issuer.
 */
export function issuerFor(request: FastifyRequest, config: Config): string | undefined {
  if (config.PUBLIC_URL) return new URL(config.PUBLIC_URL).origin;
  if (!LOOPBACK_HOSTNAMES.has(request.hostname.toLowerCase())) return undefined;
  try {
    return new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return undefined;
  }
}

/** One oidc-provider per issuer, built on first use; all share the database adapter and cookie key. */
export class OAuthServers {
  private readonly providers = new Map<string, Promise<Provider>>();

  constructor(private readonly deps: ProviderDeps) {}

  get config(): Config {
    return this.deps.config;
  }

  issuerFor(request: FastifyRequest): string | undefined {
    return issuerFor(request, this.deps.config);
  }

  /** The provider for the request's issuer, or undefined when the request has none (see issuerFor). */
  async providerFor(request: FastifyRequest): Promise<Provider | undefined> {
    const issuer = this.issuerFor(request);
    if (!issuer) return undefined;
    let provider = this.providers.get(issuer);
    if (!provider) {
      if (this.providers.size >= MAX_LOOPBACK_ISSUERS) return undefined;
      provider = createProvider(issuer, this.deps);
      this.providers.set(issuer, provider);
    }
    return provider;
  }
}
