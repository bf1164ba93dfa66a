import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, promote } from '../helpers/client.js';
import type { TestServer } from '../helpers/server.js';
import {
  expectText,
  expectUrl,
  heading,
  hidden,
  launchBrowser,
  loginViaUi,
  navigate,
  newContext,
  newPage,
  PASSWORD,
  registerViaUi,
  screenshot,
  startE2eServer,
  storageDump,
  uniqueName,
  visible,
} from './helpers.js';

/**
 * The journey in Chromium, two users in two isolated browser contexts: register → log in → create a
 * collection → upload a document → search and open the hit → edit and save → create a CAT and copy its
 * configuration → an admin deactivates a user, who is then logged out. The steps build on each other.
 */

const COLLECTION = 'research-notes';
const FILE_NAME = 'solar-log.md';
const TITLE = 'Photovoltaic maintenance log';
const EDITED_TITLE = 'Photovoltaic maintenance log (edited)';
const CONTENT = `# ${TITLE}

The inverter of the rooftop photovoltaic array was replaced in March after a quasarflux fault.

## Checklist

- Clean the panels twice a year with demineralised water.
- Inspect the cabling and the junction boxes for corrosion.
`;

const PYTHON = `def start_pump(pressure_bar):
    """Start the cooling pump once the pressure is safe."""
    if pressure_bar > 2.5:
        return False
    return True
`;
const JSON_SETTINGS = JSON.stringify({ inverter: { max_power_w: 5000, mppt_channels: [1, 2] } }, null, 2);

interface Actor {
  username: string;
  context: BrowserContext;
  page: Page & { problems: string[] };
  accessToken?: string;
}

let server: TestServer;
let browser: Browser;
let alice: Actor;
let bob: Actor;
let documentPath = '';

async function actor(prefix: string): Promise<Actor> {
  const context = await newContext(browser, server.url);
  return { username: uniqueName(prefix), context, page: await newPage(context) };
}

const readClipboard = (page: Page) => page.evaluate<string>('navigator.clipboard.readText()');

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  alice = await actor('alice');
  bob = await actor('bob');
});

// A failing step leaves a picture of each user's page behind, and what the browser complained about.
afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  const slug = task.name.replace(/\W+/g, '-').slice(0, 40);
  for (const [name, user] of [
    ['alice', alice],
    ['bob', bob],
  ] as const) {
    if (!user) continue;
    await screenshot(user.page, `failed-${slug}-${name}`).catch(() => undefined);
    console.error(`${name} at ${user.page.url()}; browser problems:`, user.page.problems);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the journey of two users', () => {
  it('registers and logs in two users, each in their own browser context', async () => {
    const { page } = alice;
    await page.goto('/login');
    await visible(heading(page).filter({ hasText: 'Log in' }));
    await screenshot(page, '01-login');

    // A wrong password is answered readably, on the page.
    await page.getByLabel('Username or email').fill('nobody_here');
    await page.getByLabel('Password', { exact: true }).fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectText(page.getByRole('alert').first(), /Wrong username, email or password/);

    await page.goto('/register');
    await visible(heading(page).filter({ hasText: 'Create an account' }));
    await screenshot(page, '02-register');

    for (const user of [alice, bob]) {
      await registerViaUi(user.page, user.username);
      await expectText(user.page.getByText('Your account was created'), /Log in to continue/);
      const login = user.page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/web/login'));
      await loginViaUi(user.page, user.username);
      user.accessToken = ((await (await login).json()) as { access_token: string }).access_token;
      expect(user.accessToken).toMatch(/^ey/);
    }

    // Each context holds its own session; the refresh token is a cookie scripts cannot read.
    for (const user of [alice, bob]) {
      const cookies = await user.context.cookies();
      const session = cookies.find((c) => c.name === 'ainstruct_refresh');
      expect(session, JSON.stringify(cookies)).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(await user.page.evaluate<string>('document.cookie')).not.toContain('ainstruct_refresh');
      const storage = await storageDump(user.page);
      expect(storage).not.toContain(user.accessToken);
      expect(storage).not.toMatch(/ey[\w-]{10,}\.[\w-]{10,}/);
    }

    // The dashboard's counts are real: a new user has the default collection and nothing else.
    const { page: alicePage } = alice;
    await expectText(alicePage.getByTestId('stat-Collections'), /^1$/);
    await expectText(alicePage.getByTestId('stat-Documents'), /^0$/);
    await visible(alicePage.getByRole('heading', { name: 'Your memory is empty' }));
    await screenshot(alicePage, '03-dashboard');
  });

  it('creates a collection, and shows the API message for a duplicate name', async () => {
    const { page } = alice;
    await navigate(page, 'Collections');
    await expectUrl(page, /\/collections$/);
    await page.getByLabel('New collection name').fill(COLLECTION);
    await page.getByRole('button', { name: 'Create collection' }).click();
    const table = page.getByRole('table', { name: 'Collections' });
    await visible(table.getByRole('link', { name: COLLECTION, exact: true }));

    // Same name again, differently cased: the API refuses, and its message reaches the user.
    await page.getByLabel('New collection name').fill(COLLECTION.toUpperCase());
    await page.getByRole('button', { name: 'Create collection' }).click();
    await expectText(
      page.getByRole('alert').filter({ hasText: 'already have a collection' }),
      /You already have a collection named "RESEARCH-NOTES"/,
    );
    expect(await table.getByRole('row').count()).toBe(3); // header, default, research-notes
    await screenshot(page, '04-collections');
  });

  it('uploads a markdown file into the collection', async () => {
    const { page } = alice;
    await page.getByRole('table', { name: 'Collections' }).getByRole('link', { name: COLLECTION }).click();
    await expectUrl(page, /\/documents\?collection_id=/);
    await visible(heading(page).filter({ hasText: `Documents in ${COLLECTION}` }));
    await visible(page.getByRole('heading', { name: 'No documents match these filters' }));

    await page.getByRole('button', { name: 'Upload files' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Upload files' });
    await visible(dialog);
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: /Choose files/ }).click();
    await (await chooser).setFiles({
      name: FILE_NAME,
      mimeType: 'text/markdown',
      buffer: Buffer.from(CONTENT),
    });
    await expectText(dialog.getByText(/file chosen/), /1 file chosen/);
    expect(await dialog.getByRole('combobox', { name: 'Into collection' }).inputValue()).toBe(COLLECTION);

    await dialog.getByRole('button', { name: 'Upload', exact: true }).click();
    await expectText(dialog.getByTestId('upload-progress'), /1 of 1 done/, 120_000);
    await visible(dialog.getByText('Stored', { exact: true }));
    await visible(dialog.getByText(TITLE, { exact: true }));
    await screenshot(page, '05-upload');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await hidden(dialog);

    const table = page.getByRole('table', { name: 'Documents' });
    await visible(table.getByRole('link', { name: TITLE }));
    await expectText(page.getByText(/\d+ documents?$/), /^1 document$/);
    await screenshot(page, '06-documents');
  });

  it('searches, and opens the hit in the viewer', async () => {
    const { page } = alice;
    await navigate(page, 'Search');
    await expectUrl(page, /\/search/);
    await page.getByRole('textbox', { name: 'Query', exact: true }).fill('rooftop inverter quasarflux');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.getByRole('article', { name: `1. ${TITLE}` });
    await visible(hit, 60_000);
    await expectText(hit, /Keyword #1/);
    await expectText(hit, /relevance (0\.\d\d|1\.00)/);
    await expectText(hit, /quasarflux/);
    await expectText(
      page.getByRole('status').filter({ hasText: 'result' }),
      /for “rooftop inverter quasarflux” \(hybrid/,
    );
    await screenshot(page, '07-search');

    await hit.getByRole('link', { name: `1. ${TITLE}` }).click();
    await expectUrl(page, /\/documents\/[^/]+$/);
    documentPath = new URL(page.url()).pathname;
    await visible(heading(page).filter({ hasText: TITLE }));
    const content = page.getByRole('article', { name: 'Document content' });
    await expectText(content, /The inverter of the rooftop photovoltaic array was replaced in March/);
    // Rendered as markdown: the checklist is a list, not literal "- " lines.
    expect(await content.getByRole('listitem').count()).toBe(2);
    await visible(content.getByRole('heading', { name: 'Checklist' }));
    await screenshot(page, '08-viewer');
  });

  it('edits the document and saves it', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await expectUrl(page, /\/documents\/[^/]+\/edit$/);
    await visible(heading(page).filter({ hasText: 'Edit document' }));
    const editor = page.getByRole('textbox', { name: 'Content' });
    await expectText(editor, /quasarflux fault/);
    await page.getByLabel('Title').fill(EDITED_TITLE);
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nEdited in the browser: inspect the inverter every quarter.\n');
    await expectText(page.getByText(/Unsaved changes|No changes yet/), /Unsaved changes/);
    await screenshot(page, '09-editor');

    const saved = page.waitForResponse(
      (r) => r.request().method() === 'PATCH' && r.url().includes('/documents/'),
    );
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const response = await saved;
    expect(response.status()).toBe(200);
    // The editor sends the version it edited, so a concurrent change is detected rather than overwritten.
    expect(response.request().headers()['if-match']).toBeTruthy();

    await expectUrl(page, new RegExp(`${documentPath}$`));
    await visible(heading(page).filter({ hasText: EDITED_TITLE }));
    const content = page.getByRole('article', { name: 'Document content' });
    await expectText(content, /Edited in the browser: inspect the inverter every quarter\./);

    // The change is on the server, not just in the page's cache.
    const api = new ApiClient(server.url);
    const id = documentPath.split('/').pop() ?? '';
    const stored = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ title: EDITED_TITLE });
    expect(stored.body.content).toContain('Edited in the browser');
  });

  it('detects a change made meanwhile instead of overwriting it', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await visible(heading(page).filter({ hasText: 'Edit document' }));
    await expectText(page.getByRole('textbox', { name: 'Content' }), /every quarter/);
    await page.getByLabel('Title').fill('A title that must not win');

    // Another client saves first.
    const api = new ApiClient(server.url);
    const id = documentPath.split('/').pop() ?? '';
    const current = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    const meanwhile = await api.patch(
      `/api/v1/documents/${id}`,
      { content: `${current.body.content}\nAdded by another client.\n` },
      alice.accessToken,
    );
    expect(meanwhile.status, JSON.stringify(meanwhile.body)).toBe(200);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'changed meanwhile' });
    await expectText(conflict, /This document was changed meanwhile/);
    await screenshot(page, '09b-editor-conflict');
    await conflict.getByRole('button', { name: 'Reload latest version' }).click();
    await hidden(conflict);
    expect(await page.getByLabel('Title').inputValue()).toBe(EDITED_TITLE);
    await expectText(page.getByRole('textbox', { name: 'Content' }), /Added by another client\./);

    const stored = await api.get(`/api/v1/documents/${id}`, alice.accessToken);
    expect(stored.body.title).toBe(EDITED_TITLE);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expectUrl(page, new RegExp(`${documentPath}$`));
  });

  it('creates a collection access token and copies its MCP configuration', async () => {
    const { page } = alice;
    await navigate(page, 'Tokens');
    await expectUrl(page, /\/tokens/);
    await page.getByRole('tab', { name: 'Collection (CAT)' }).click();
    // The tab lives in the URL, so the switch lands a render later: fields found before it (the PAT
    // form has a Label too) would be filled and then unmounted. Work inside the CAT form only.
    const form = page.getByRole('region', { name: 'New collection access token' });
    await visible(form);
    await form.getByLabel('Label').fill('Research agent');
    await form.getByRole('combobox', { name: 'Collection', exact: true }).click();
    await page.getByRole('option', { name: COLLECTION, exact: true }).click();
    const chosen = form.getByRole('combobox', { name: 'Collection', exact: true });
    await expect.poll(() => chosen.inputValue(), { timeout: 5_000 }).toBe(COLLECTION);
    await form.getByRole('button', { name: 'Create token' }).click();

    const dialog = page.getByRole('dialog', { name: /New collection access token: Research agent/ });
    await visible(dialog);
    const secret = await dialog.getByLabel('Token secret').inputValue();
    expect(secret).toMatch(/^cat_live_[\w-]{20,}$/);
    await screenshot(page, '10-tokens-secret');

    await dialog.getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(() => readClipboard(page), { timeout: 5_000 }).toBe(secret);

    const mcpUrl = `${server.url}/mcp`;
    await dialog.getByRole('tab', { name: 'Cursor' }).click();
    await dialog.getByRole('button', { name: /^Copy Cursor config/ }).click();
    await expect.poll(() => readClipboard(page), { timeout: 5_000 }).toContain('mcpServers');
    const cursor = JSON.parse(await readClipboard(page));
    expect(cursor.mcpServers.ainstruct).toEqual({
      url: mcpUrl,
      headers: { Authorization: `Bearer ${secret}` },
    });

    await dialog.getByRole('tab', { name: 'Claude Code' }).click();
    await dialog.getByRole('button', { name: /^Copy Claude Code config/ }).click();
    await expect.poll(() => readClipboard(page), { timeout: 5_000 }).toContain('claude mcp add');
    const claude = await readClipboard(page);
    expect(claude).toContain(mcpUrl);
    expect(claude).toContain(`Authorization: Bearer ${secret}`);

    // The copied token really opens the MCP endpoint.
    const mcp = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'e2e', version: '1' },
        },
      }),
    });
    expect(mcp.status).toBe(200);

    await dialog.getByRole('button', { name: /I have copied it/ }).click();
    await hidden(dialog);
    const list = page.getByRole('table', { name: 'Collection access tokens' });
    await expectText(list, /Research agent[\s\S]*research-notes[\s\S]*Read and write/i);
    await screenshot(page, '11-tokens');
  });

  it('uploads several files at once, each typed by its extension and shown by its type', async () => {
    const { page } = bob;
    await navigate(page, 'Documents');
    await visible(page.getByRole('heading', { name: 'No documents yet' }));
    await page.getByRole('button', { name: 'Upload files' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Upload files' });
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: /Choose files/ }).click();
    await (await chooser).setFiles([
      { name: 'pump_control.py', mimeType: 'text/x-python', buffer: Buffer.from(PYTHON) },
      { name: 'inverter-settings.json', mimeType: 'application/json', buffer: Buffer.from(JSON_SETTINGS) },
    ]);
    await expectText(dialog.getByText(/files? chosen/), /2 files chosen/);
    expect(await dialog.getByRole('combobox', { name: 'Into collection' }).inputValue()).toBe('default');
    await dialog.getByRole('button', { name: 'Upload', exact: true }).click();
    await expectText(dialog.getByTestId('upload-progress'), /2 of 2 done/, 120_000);
    expect(await dialog.getByText('Stored', { exact: true }).count()).toBe(2);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await hidden(dialog);

    const table = page.getByRole('table', { name: 'Documents' });
    await expectText(table.getByRole('row').filter({ hasText: 'pump_control' }), /Python/i);
    await expectText(table.getByRole('row').filter({ hasText: 'inverter-settings' }), /JSON/i);

    // Code is highlighted (CodeMirror wraps tokens in styled spans); JSON is a tree.
    await table.getByRole('link', { name: 'pump_control' }).click();
    const code = page.getByTestId('code-view');
    await expectText(code, /def start_pump\(pressure_bar\)/);
    await expect.poll(() => code.locator('.cm-content span').count(), { timeout: 10_000 }).toBeGreaterThan(3);
    await screenshot(page, '08b-viewer-python');

    await page.getByRole('link', { name: 'Documents', exact: true }).first().click();
    await page
      .getByRole('table', { name: 'Documents' })
      .getByRole('link', { name: 'inverter-settings' })
      .click();
    const tree = page.getByRole('tree', { name: 'JSON content' });
    await expectText(tree, /max_power_w[\s\S]*5000/);
    expect(await tree.getByRole('button', { name: 'Collapse root' }).getAttribute('aria-expanded')).toBe(
      'true',
    );
    await screenshot(page, '08c-viewer-json');
  });

  it('downloads a collection as JSON lines from its row menu', async () => {
    const { page } = bob;
    await navigate(page, 'Collections');
    await page.getByRole('button', { name: 'Actions for default' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('menuitem', { name: 'Export (JSONL)' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('default.jsonl');
    const stream = await file.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const lines = Buffer.concat(chunks)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { title: string; content: string; document_type: string });
    expect(lines.map((line) => [line.title, line.document_type]).sort()).toEqual([
      ['inverter-settings', 'json'],
      ['pump_control', 'python'],
    ]);
    expect(lines.find((line) => line.document_type === 'python')?.content).toBe(PYTHON);
  });

  it('never shows one user the other user’s collections or documents', async () => {
    const { page } = bob;
    await navigate(page, 'Documents');
    const documents = page.getByRole('table', { name: 'Documents' });
    await visible(documents.getByRole('link', { name: 'pump_control' }));
    expect(await documents.getByRole('row').count()).toBe(3); // header and Bob's two uploads
    expect(await page.getByText(/Photovoltaic/).count()).toBe(0);

    await navigate(page, 'Collections');
    const table = page.getByRole('table', { name: 'Collections' });
    await visible(table.getByRole('link', { name: 'default', exact: true }));
    expect(await table.getByRole('link', { name: COLLECTION }).count()).toBe(0);

    // Alice's document address, opened in Bob's browser: not found, and none of its text.
    await page.goto(documentPath);
    await visible(page.getByRole('heading', { name: 'Document not found' }));
    expect(await page.getByText(/quasarflux|photovoltaic/i).count()).toBe(0);
    await screenshot(page, '12-viewer-not-found');
    await page.goto(`${documentPath}/edit`);
    await visible(page.getByRole('heading', { name: 'Document not found' }));
    expect(await page.getByText(/quasarflux|photovoltaic/i).count()).toBe(0);

    await page.goto('/search?q=quasarflux+photovoltaic');
    await page.getByRole('textbox', { name: 'Query', exact: true }).fill('quasarflux photovoltaic');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    // Semantic search may find Bob's own files; never Alice's.
    const answered = page
      .getByRole('status')
      .filter({ hasText: /results? for/ })
      .or(page.getByRole('heading', { name: 'No good match' }));
    await visible(answered, 60_000);
    expect(await page.getByText(/Photovoltaic maintenance|quasarflux fault/).count()).toBe(0);

    // Alice still sees her own.
    await alice.page.goto(documentPath);
    await visible(heading(alice.page).filter({ hasText: EDITED_TITLE }));
  });

  it('lets an admin deactivate a user, who is then logged out', async () => {
    const api = new ApiClient(server.url);
    const admin = await createUser(api, 'admin');
    expect(admin.password).toBe(PASSWORD);
    await promote(api, admin.userId);
    const context = await newContext(browser, server.url);
    const page = await newPage(context);
    try {
      await loginViaUi(page, admin.username);
      await navigate(page, 'Admin');
      await expectUrl(page, /\/admin/);
      const users = page.getByRole('table', { name: 'Users' });
      await visible(users.getByText(alice.username));
      await screenshot(page, '13-admin');

      await page.getByLabel('Search users').fill(bob.username);
      const bobRow = users.getByRole('row').filter({ hasText: bob.username });
      await expect.poll(() => users.getByRole('row').count(), { timeout: 10_000 }).toBe(2);
      await expectText(bobRow, /\bactive\b/i);

      await bobRow.getByRole('button', { name: `Details for ${bob.username}` }).click();
      const drawer = page.getByRole('dialog', { name: `User ${bob.username}` });
      await visible(drawer);
      await expectText(drawer, /collections\s*1\b/i);
      await visible(drawer.getByRole('heading', { name: 'Usage history' }));
      await screenshot(page, '14-admin-user-details');
      await page.keyboard.press('Escape');
      await hidden(drawer);

      await bobRow.getByRole('button', { name: `Deactivate ${bob.username}` }).click();
      const confirm = page.getByRole('dialog', { name: `Deactivate ${bob.username}?` });
      await confirm.getByRole('button', { name: 'Deactivate', exact: true }).click();
      await expectText(bobRow, /inactive/i);
    } finally {
      await context.close();
    }

    // Bob's next step inside the app (an API call) ends at the login page…
    await navigate(bob.page, 'Dashboard');
    await expectUrl(bob.page, /\/login/);
    await visible(heading(bob.page).filter({ hasText: 'Log in' }));
    // …a fresh load of the app too, and logging in again is refused readably.
    await bob.page.goto('/collections');
    await expectUrl(bob.page, /\/login/);
    await bob.page.getByLabel('Username or email').fill(bob.username);
    await bob.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await bob.page.getByRole('button', { name: 'Log in' }).click();
    await expectText(
      bob.page
        .getByRole('alert')
        .filter({ hasText: /disabled/i })
        .first(),
      /disabled/i,
    );
    expect(bob.page.url()).toMatch(/\/login/);

    // Alice is untouched.
    await alice.page.goto(documentPath);
    await visible(heading(alice.page).filter({ hasText: EDITED_TITLE }));
  });

  it('raised no script errors in the pages', () => {
    const ignorable = (problem: string) =>
      // Expected failures the app handles itself: the session probe and wrong-password login (401), the
      // disabled account (403), someone else's document (404), the duplicate name (409), the conflict (412).
      /Failed to load resource: the server responded with a status of (401|403|404|409|412)\b/.test(problem);
    expect(alice.page.problems.filter((p) => !ignorable(p))).toEqual([]);
    expect(bob.page.problems.filter((p) => !ignorable(p))).toEqual([]);
  });
});
