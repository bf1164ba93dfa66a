import {
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';

/**
 * The MCP client's side of OAuth in tests: an in-memory OAuthClientProvider for the official client, and a
 * "browser" (a cookie jar and manual redirects over real HTTP) that takes the authorization URL through the
 * consent JSON API the web UI uses.
 */

export const REDIRECT_URL = 'http://127.0.0.1:53682/callback';

export class MemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: StoredOAuthClientInformation | undefined;
  private stored: StoredOAuthTokens | undefined;
  private verifier = '';

  constructor(
    readonly clientMetadataUrl?: string,
    readonly name = 'Test MCP client',
  ) {}

  get redirectUrl() {
    return REDIRECT_URL;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** A browser's cookie jar for one origin, enough for oidc-provider's interaction and session cookies. */
export class Browser {
  private cookies = new Map<string, string>();

  async get(url: string): Promise<Response> {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (!pair || index < 0) continue;
      const value = pair.slice(index + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(pair.slice(0, index));
      else this.cookies.set(pair.slice(0, index), value);
    }
    return response;
  }

  /** Follows redirects on `origin` until one leaves it (the client's redirect URI) or a page answers. */
  async follow(url: string, origin: string): Promise<{ url: string; response: Response }> {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const response = await this.get(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      current = new URL(location, current).href;
      if (!current.startsWith(origin) || current.includes('/oauth/consent/'))
        return { url: current, response };
    }
    throw new Error('too many redirects');
  }
}

export interface Approval {
  access: 'read' | 'read_write';
  collection_id: string | null;
}

/**
 * What a person does in the browser: opens the authorization URL, lands on the consent page, approves (or
 * denies) through the JSON API with their web-session JWT, and is sent back to the client. Returns the
 * client's callback URL.
 */
export async function consent(
  origin: string,
  authorizationUrl: URL,
  jwt: string,
  answer: Approval | 'deny',
  browser = new Browser(),
  onDetails?: (details: any) => void,
): Promise<URL> {
  const first = await browser.follow(authorizationUrl.href, origin);
  if (!first.url.includes('/oauth/consent/')) return new URL(first.url);
  const uid = first.url.split('/oauth/consent/')[1] ?? '';
  if (onDetails) {
    const details = await fetch(`${origin}/api/v1/oauth/interactions/${uid}`, {
      headers: { authorization: `Bearer ${jwt}` },
    });
    onDetails({ status: details.status, body: await details.json() });
  }
  const path = `${origin}/api/v1/oauth/interactions/${uid}/${answer === 'deny' ? 'deny' : 'approve'}`;
  const response = await fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: answer === 'deny' ? '{}' : JSON.stringify(answer),
  });
  if (response.status !== 200) throw new Error(`consent failed: ${response.status} ${await response.text()}`);
  const { redirect_to } = (await response.json()) as { redirect_to: string };
  const back = await browser.follow(new URL(redirect_to, origin).href, origin);
  return new URL(back.url);
}

/**
 * The whole flow the official client runs knowing only the /mcp URL: 401 → discovery → registration (or the
 * metadata-document client id) → authorization in the "browser" → code exchange; then a connected client.
 */
export async function connectWithOAuth(
  mcpUrl: string,
  jwt: string,
  answer: Approval,
  provider = new MemoryOAuthProvider(),
  onDetails?: (details: any) => void,
): Promise<{ client: Client; provider: MemoryOAuthProvider; callback: URL }> {
  const origin = new URL(mcpUrl).origin;
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const probe = new Client({ name: 'oauth-test', version: '1.0.0' });
  await probe.connect(first).then(
    () => {
      throw new Error('connected without authorization');
    },
    (error: unknown) => {
      if (!(error instanceof UnauthorizedError)) throw error;
    },
  );
  if (!provider.authorizationUrl) throw new Error('the client was not sent to authorize');
  const callback = await consent(origin, provider.authorizationUrl, jwt, answer, new Browser(), onDetails);
  if (!callback.searchParams.get('code')) throw new Error(`no code in ${callback.href}`);
  await first.finishAuth(callback.searchParams);
  const client = new Client({ name: 'oauth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return { client, provider, callback };
}
