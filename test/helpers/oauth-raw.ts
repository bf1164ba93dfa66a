import { createHash, randomBytes } from 'node:crypto';
import { type Approval, Browser, consent, REDIRECT_URL } from './oauth.js';

/** OAuth by hand over real HTTP, for the requests a well-behaved client library would never send. */

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function registerClient(base: string, extra: Record<string, unknown> = {}) {
  const response = await fetch(`${base}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Raw client',
      redirect_uris: [REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...extra,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

export function authorizationUrl(base: string, clientId: string, params: Record<string, string> = {}) {
  return new URL(
    `${base}/oauth/authorize?${new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URL,
      response_type: 'code',
      scope: 'read write',
      state: 'state-1',
      resource: `${base}/mcp`,
      ...params,
    })}`,
  );
}

export async function tokenRequest(base: string, params: Record<string, string>) {
  const response = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** A registered client, an approved authorization and the code exchanged: access and refresh token. */
export async function obtainTokens(
  base: string,
  jwt: string,
  approval: Approval,
  browser = new Browser(),
  params: Record<string, string> = {},
) {
  const client = await registerClient(base);
  const clientId = String(client.body.client_id);
  const { verifier, challenge } = pkce();
  const callback = await consent(
    base,
    authorizationUrl(base, clientId, { code_challenge: challenge, code_challenge_method: 'S256', ...params }),
    jwt,
    approval,
    browser,
  );
  const code = callback.searchParams.get('code') ?? '';
  const exchanged = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URL,
    client_id: clientId,
    code_verifier: verifier,
  });
  if (exchanged.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(exchanged.body)}`);
  return {
    clientId,
    code,
    verifier,
    callback,
    accessToken: String(exchanged.body.access_token),
    refreshToken: String(exchanged.body.refresh_token),
    body: exchanged.body,
  };
}
