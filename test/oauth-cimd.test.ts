import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { type HttpsFixture, metadataDocument, startHttpsFixture } from './helpers/https-fixture.js';
import { connectWithOAuth, MemoryOAuthProvider, REDIRECT_URL } from './helpers/oauth.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Client ID Metadata Documents: the flow through a document on loopback (allowed here), and SSRF limits. */

let fixture: HttpsFixture;
let untrust: () => void;
let allowing: TestServer;
let refusing: TestServer;
let user: TestUser;

beforeAll(async () => {
  fixture = await startHttpsFixture();
  untrust = fixture.trust();
  allowing = await startTestServer({ EMBEDDING_WORKERS: '1', OAUTH_CIMD_ALLOW_PRIVATE_HOSTS: 'true' });
  refusing = await startTestServer({ EMBEDDING_WORKERS: '1' });
  user = await createUser(new ApiClient(allowing.url), 'cimd');
}, 120_000);

afterAll(async () => {
  untrust?.();
  await allowing?.close();
  await refusing?.close();
  await fixture?.close();
});

/** The authorization endpoint's answer for a client id (no redirects followed). */
async function authorize(server: TestServer, clientId: string) {
  const query = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URL,
    response_type: 'code',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 'xyz',
    resource: `${server.url}/mcp`,
  });
  const response = await fetch(`${server.url}/oauth/authorize?${query}`, { redirect: 'manual' });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as { error?: string; error_description?: string },
  };
}

describe('a client identified by its metadata document URL', () => {
  it('connects and calls tools without registering', async () => {
    const clientId = `${fixture.origin}/clients/good.json`;
    fixture.route('/clients/good.json', { body: metadataDocument(clientId, REDIRECT_URL) });
    const provider = new MemoryOAuthProvider(clientId);
    const { client } = await connectWithOAuth(
      `${allowing.url}/mcp`,
      user.accessToken,
      { access: 'read', collection_id: null },
      provider,
    );
    expect(provider.clientInformation()?.client_id).toBe(clientId);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('search_documents_tool');
    expect(tools.tools.map((t) => t.name)).not.toContain('store_document_tool');
    const grants = await new ApiClient(allowing.url).get('/api/v1/oauth/grants', user.accessToken);
    expect(grants.body.grants[0]).toMatchObject({ client_id: clientId, client_host: new URL(clientId).host });
    await client.close();
  }, 60_000);

  it('is refused on a private address unless OAUTH_CIMD_ALLOW_PRIVATE_HOSTS', async () => {
    const clientId = `${fixture.origin}/clients/private.json`;
    fixture.route('/clients/private.json', { body: metadataDocument(clientId, REDIRECT_URL) });
    const answer = await authorize(refusing, clientId);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'invalid_client',
      error_description: 'client_id metadata document fetch not allowed',
    });
  });

  it('is refused when the document is oversized, slow, not JSON or names another client_id', async () => {
    const cases: [string, { body: string; delayMs?: number }][] = [
      [
        'big',
        { body: metadataDocument(`${fixture.origin}/c/big.json`, REDIRECT_URL, { x: 'a'.repeat(6000) }) },
      ],
      ['slow', { body: metadataDocument(`${fixture.origin}/c/slow.json`, REDIRECT_URL), delayMs: 4000 }],
      ['garbage', { body: 'not json at all' }],
      ['mismatch', { body: metadataDocument(`${fixture.origin}/c/other.json`, REDIRECT_URL) }],
    ];
    for (const [name, handler] of cases) {
      const clientId = `${fixture.origin}/c/${name}.json`;
      fixture.route(`/c/${name}.json`, handler);
      const answer = await authorize(allowing, clientId);
      expect(answer.status, name).toBe(400);
      expect(['invalid_client', 'invalid_client_metadata'], name).toContain(answer.body.error);
    }
  }, 30_000);

  it('refuses a redirect URI the document does not list', async () => {
    const clientId = `${fixture.origin}/clients/redirect.json`;
    fixture.route('/clients/redirect.json', {
      body: metadataDocument(clientId, 'https://elsewhere.example/cb'),
    });
    const answer = await authorize(allowing, clientId);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_redirect_uri');
  });
});
