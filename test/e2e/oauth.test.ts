import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, type TestUser } from '../helpers/client.js';
import { createCollection } from '../helpers/documents.js';
import { type HttpsFixture, metadataDocument, startHttpsFixture } from '../helpers/https-fixture.js';
import {
  CURRENT_PROTOCOL,
  DOCUMENT_READ_TOOLS,
  DOCUMENT_WRITE_TOOLS,
  type Protocol,
  USER_READ_TOOLS,
} from '../helpers/mcp.js';
import type { TestServer } from '../helpers/server.js';
import {
  expectText,
  expectUrl,
  heading,
  launchBrowser,
  newContext,
  newPage,
  PASSWORD,
  screenshot,
  startE2eServer,
  visible,
} from './helpers.js';

/**
 * An MCP client that knows only the server's /mcp URL connects through OAuth: it discovers the authorization
 * server from the 401, registers itself (RFC 7591), sends the person's browser to the authorization URL, where
 * they log in and choose on the consent page what it may use; its loopback redirect (RFC 8252) gets the code.
 * The official client does the protocol; Chromium plays the person.
 */

/** What the client's loopback redirect received: the authorization response's query. */
type Callback = URLSearchParams;

/** A native client's loopback redirect: one HTTP server; each flow waits for the next request to it. */
class LoopbackRedirect {
  private server: Server | undefined;
  private waiting: ((params: Callback) => void) | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const params = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        '<!doctype html><title>Client</title><h1>Back in the client</h1><p>You can close this tab.</p>',
      );
      this.waiting?.(params);
      this.waiting = undefined;
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callback`;
  }

  next(): Promise<Callback> {
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * The client's side of OAuth, kept in memory like a CLI would keep it in a file. Its redirectToAuthorization
 * opens the URL in the test's browser page — the person's browser.
 */
class BrowserOAuthProvider implements OAuthClientProvider {
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  private lastState = '';
  /** Each authorization URL the client asked the browser to open. */
  readonly opened: URL[] = [];
  /** Whether a redirect opens the page (off once the test only wants to see that the client would ask). */
  interactive = true;

  constructor(
    private readonly page: Page,
    readonly redirectUrl: string,
    private readonly name: string,
    /** A Client ID Metadata Document URL: the client's id, which the server fetches instead of a registration. */
    readonly clientMetadataUrl?: string,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    this.lastState = randomBytes(16).toString('base64url');
    return this.lastState;
  }

  get expectedState(): string {
    return this.lastState;
  }

  clientInformation() {
    return this.info;
  }

  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }

  tokens() {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }

  /** The browser's navigation to the last authorization URL (the client does not wait for the person). */
  navigation: Promise<unknown> = Promise.resolve();

  redirectToAuthorization(url: URL) {
    this.opened.push(url);
    if (this.interactive) this.navigation = this.page.goto(url.href, { waitUntil: 'commit' });
  }

  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }

  codeVerifier() {
    return this.verifier;
  }
}

function clientOptions(protocol: Protocol) {
  return protocol === 'current'
    ? { versionNegotiation: { mode: { pin: CURRENT_PROTOCOL } } }
    : { supportedProtocolVersions: [protocol] };
}

interface OAuthMcpClient {
  provider: BrowserOAuthProvider;
  protocol: Protocol;
  connect(): Promise<Client>;
}

function oauthClient(
  page: Page,
  name: string,
  protocol: Protocol = 'current',
  clientMetadataUrl?: string,
): OAuthMcpClient {
  const provider = new BrowserOAuthProvider(page, redirect.url, name, clientMetadataUrl);
  return {
    provider,
    protocol,
    async connect() {
      const client = new Client({ name, version: '1.0.0' }, clientOptions(protocol));
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: provider }),
      );
      return client;
    },
  };
}

/**
 * The first connect: the 401 starts the flow, the browser is sent to the authorization server, and the
 * client stops with UnauthorizedError until the code arrives.
 */
async function startAuthorization(client: OAuthMcpClient): Promise<{ callback: Promise<Callback> }> {
  const callback = redirect.next();
  await expect(client.connect()).rejects.toBeInstanceOf(UnauthorizedError);
  expect(client.provider.opened).toHaveLength(1);
  await client.provider.navigation;
  // Wrapped: an async function returning a promise would wait for it (the person has not answered yet).
  return { callback };
}

/** After the redirect: the code for a token (PKCE verifier and RFC 9207 iss checked by the SDK), then connect. */
async function finish(client: OAuthMcpClient, callback: Callback): Promise<Client> {
  await backInClient();
  expect(callback.get('state')).toBe(client.provider.expectedState);
  expect(callback.get('error')).toBeNull();
  expect(callback.get('code')).toBeTruthy();
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    authProvider: client.provider,
  });
  await transport.finishAuth(callback);
  const connected = new Client({ name: 'after-auth', version: '1.0.0' }, clientOptions(client.protocol));
  await connected.connect(transport);
  return connected;
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort();
}

/** The browser has landed on the client's loopback page (so the next navigation does not race it). */
async function backInClient(): Promise<void> {
  await expectText(page.getByRole('heading', { level: 1 }), 'Back in the client');
}

const consentPage = /\/oauth\/consent\/[^/?]+$/;

async function expectConsent(page: Page, clientName: string): Promise<void> {
  await expectUrl(page, consentPage);
  await visible(heading(page).filter({ hasText: 'Connect an application' }));
  await expectText(page.getByTestId('client-host'), /^127\.0\.0\.1(:\d+)?$/);
  await expectText(page.getByRole('main'), new RegExp(`calls itself\\s+${clientName}`));
  await expectText(page.getByTestId('redirect-uri'), redirect.url);
}

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page & { problems: string[] };
let user: TestUser;
let collectionId: string;
const redirect = new LoopbackRedirect();
/**
 * Where a CIMD client publishes its metadata: HTTPS (the SDK and the spec require it) with a throwaway
 * self-signed certificate on loopback, which the server may fetch only because the test allows private hosts.
 */
let metadataHost: HttpsFixture;
let metadataUrl: string;
let untrust: () => void;
const COLLECTION = 'project-notes';

beforeAll(async () => {
  server = await startE2eServer({ OAUTH_CIMD_ALLOW_PRIVATE_HOSTS: 'true' });
  await redirect.start();
  metadataHost = await startHttpsFixture();
  // The server runs in this process: its fetch trusts the fixture's certificate, and nothing else changes.
  untrust = metadataHost.trust();
  metadataUrl = `${metadataHost.origin}/client.json`;
  metadataHost.route('/client.json', {
    body: metadataDocument(metadataUrl, redirect.url, { client_name: 'Metadata Client' }),
  });
  const api = new ApiClient(server.url);
  user = await createUser(api, 'oauth');
  collectionId = await createCollection(api, user.accessToken, COLLECTION);
  browser = await launchBrowser();
  context = await newContext(browser, server.url);
  page = await newPage(context);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await redirect.close();
  untrust?.();
  await metadataHost?.close();
  await server?.close();
});

describe('OAuth for MCP clients through the browser', () => {
  let accountReader: OAuthMcpClient;
  let accountReaderMcp: Client;

  it('serves the consent page unframeable, and says when a request is unknown', async () => {
    const response = await page.goto('/oauth/consent/no-such-request');
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    // Not logged in yet: the login comes first, then the page itself.
    await expectUrl(page, /\/login\?next=%2Foauth%2Fconsent%2Fno-such-request$/);
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await visible(heading(page).filter({ hasText: 'This request has expired' }));
    await screenshot(page, 'oauth-01-unknown-request');
    // Log out again, so the real flow starts as a stranger to the browser.
    await context.clearCookies();
  });

  it('discovers, registers, sends the person to log in and approve read-only access (current protocol)', async () => {
    accountReader = oauthClient(page, 'Notes Agent', 'current');
    const { callback } = await startAuthorization(accountReader);
    const opened = accountReader.provider.opened[0];
    expect(opened?.origin).toBe(server.url);
    expect(opened?.searchParams.get('code_challenge_method')).toBe('S256');
    expect(opened?.searchParams.get('resource')).toBe(`${server.url}/mcp`);

    // The consent page sends a stranger to the login, which returns there.
    await expectUrl(page, /\/login\?next=%2Foauth%2Fconsent%2F/);
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectConsent(page, 'Notes Agent');
    // The least is chosen unless the person picks more.
    expect(await page.getByRole('radio', { name: /whole account/ }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Read only' }).isChecked()).toBe(true);
    await screenshot(page, 'oauth-02-consent-desktop');
    await page.getByRole('button', { name: 'Approve' }).click();

    const params = await callback;
    expect(params.get('iss')).toBe(server.url);
    accountReaderMcp = await finish(accountReader, params);
    expect(await toolNames(accountReaderMcp)).toEqual([...DOCUMENT_READ_TOOLS, ...USER_READ_TOOLS].sort());
    const listed = await accountReaderMcp.callTool({ name: 'list_collections_tool', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(JSON.stringify(listed.structuredContent)).toContain(COLLECTION);
  });

  it('grants one collection read/write on a phone, for a 2025-era client', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const writer = oauthClient(page, 'Phone Writer', '2025-06-18');
    const { callback } = await startAuthorization(writer);
    // Still logged in: straight to the consent page.
    await expectConsent(page, 'Phone Writer');
    await page.getByRole('radio', { name: 'One collection only' }).check();
    // Approving without a collection asks for one.
    await page.getByRole('button', { name: 'Approve' }).click();
    await visible(page.getByText('Choose the collection it may use'));
    await page.getByPlaceholder('Choose a collection').click();
    await page.getByRole('option', { name: COLLECTION }).click();
    await page.getByRole('radio', { name: 'Read and write' }).check();
    await screenshot(page, 'oauth-03-consent-phone');
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Approve' }).click();

    const mcp = await finish(writer, await callback);
    expect(await toolNames(mcp)).toEqual([...DOCUMENT_READ_TOOLS, ...DOCUMENT_WRITE_TOOLS].sort());
    const stored = await mcp.callTool({
      name: 'store_document_tool',
      arguments: { title: 'from-oauth', content: 'written through an OAuth token' },
    });
    expect(stored.isError, JSON.stringify(stored.content)).toBeFalsy();
    expect(JSON.stringify(stored.structuredContent)).toContain(collectionId);
    await mcp.close();
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('connects a client identified by a Client ID Metadata Document, with no registration', async () => {
    const cimd = oauthClient(page, 'Metadata Client', 'current', metadataUrl);
    const { callback } = await startAuthorization(cimd);
    expect(cimd.provider.opened[0]?.searchParams.get('client_id')).toBe(metadataUrl);
    await expectConsent(page, 'Metadata Client');
    await visible(page.getByText('metadata document', { exact: true }));
    await expectText(page.getByRole('main'), metadataUrl);
    await screenshot(page, 'oauth-03b-consent-cimd');
    await page.getByRole('button', { name: 'Approve' }).click();
    const mcp = await finish(cimd, await callback);
    expect(await toolNames(mcp)).toEqual([...DOCUMENT_READ_TOOLS, ...USER_READ_TOOLS].sort());
    await mcp.close();
  });

  it('ends in access_denied when the person denies', async () => {
    const denied = oauthClient(page, 'Unwanted Tool');
    const { callback } = await startAuthorization(denied);
    await expectConsent(page, 'Unwanted Tool');
    await page.getByRole('button', { name: 'Deny' }).click();
    const params = await callback;
    await backInClient();
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe(denied.provider.expectedState);
    expect(params.get('code')).toBeNull();
  });

  it('lists connected clients on the Tokens page; disconnecting stops the client', async () => {
    await page.goto('/tokens?tab=oauth');
    const table = page.getByRole('table', { name: 'Connected clients' });
    await visible(table.getByText('Notes Agent'));
    await visible(table.getByText('Phone Writer'));
    expect(await table.getByText('Unwanted Tool').count()).toBe(0);
    await expectText(
      table.getByRole('row').filter({ hasText: 'Phone Writer' }),
      /project-notes[\s\S]*read\/write/i,
    );
    await expectText(table.getByRole('row').filter({ hasText: 'Notes Agent' }), /Whole account[\s\S]*read/i);
    await screenshot(page, 'oauth-04-connected-clients');

    await page.getByRole('button', { name: 'Disconnect Notes Agent' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await visible(page.getByText('“Notes Agent” was disconnected.'));
    await expect.poll(() => table.getByText('Notes Agent').count()).toBe(0);
    await screenshot(page, 'oauth-05-after-disconnect');

    // The client's next call is refused: its access token and its refresh token ended with the grant.
    accountReader.provider.interactive = false;
    await expect(accountReaderMcp.listTools()).rejects.toThrow();
    await accountReaderMcp.close().catch(() => undefined);
    // The expected refusals (401 before login, 404 for the unknown request) are the only complaints.
    expect(page.problems.filter((problem) => !/status of (401|404)/.test(problem))).toEqual([]);
  });

  it('shows OAuth instructions next to the header configs', async () => {
    await page.goto('/tokens?tab=pat');
    await page.getByLabel('Label').fill('for the dialog');
    await page.getByRole('button', { name: /Create/ }).click();
    const dialog = page.getByRole('dialog');
    await visible(dialog.getByText('MCP client configuration'));
    await dialog.getByRole('tab', { name: 'claude.ai / Claude Desktop' }).click();
    await expectText(dialog, /Add custom connector/);
    expect(await dialog.getByLabel('claude.ai / Claude Desktop configuration').inputValue()).toBe(
      `${server.url}/mcp`,
    );
    await dialog.getByRole('tab', { name: 'ChatGPT' }).click();
    await expectText(dialog, /developer mode/);
    await screenshot(page, 'oauth-06-config-dialog');
  });
});
