import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser, type TestUser } from '../helpers/client.js';
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
  screenshot,
  startE2eServer,
  storageDump,
  visible,
} from './helpers.js';

/** What must hold on every page: no script from a document runs, sessions behave, phones work. */

const HOSTILE = `# Hostile document

Before the traps.

<script>window.__xss=1</script>

<img src=x onerror="window.__xss=1">

A [trap link](javascript:window.__xss=1) and an [honest link](https://example.com/page).

After the traps.
`;

let server: TestServer;
let browser: Browser;
let api: ApiClient;
let user: TestUser;
let hostileId: string;
const pages: { name: string; page: Awaited<ReturnType<typeof newPage>> }[] = [];

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
  api = new ApiClient(server.url);
  user = await createUser(api, 'carol');
  const stored = await api.post(
    '/api/v1/documents',
    { title: 'Hostile document', content: HOSTILE, document_type: 'markdown' },
    user.accessToken,
  );
  if (stored.status !== 201) throw new Error(`storing the document failed: ${JSON.stringify(stored.body)}`);
  hostileId = stored.body.document_id;
});

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  const slug = task.name.replace(/\W+/g, '-').slice(0, 40);
  for (const { name, page } of pages) {
    if (page.isClosed()) continue;
    await screenshot(page, `failed-${slug}-${name}`).catch(() => undefined);
    console.error(`${name} at ${page.url()}; browser problems:`, page.problems);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(name: string, size?: { width: number; height: number }) {
  const context = await newContext(browser, server.url, size);
  const page = await newPage(context);
  pages.push({ name, page });
  return { context, page };
}

const xssFlag = (page: Awaited<ReturnType<typeof newPage>>) =>
  page.evaluate<unknown>('typeof window.__xss === "undefined" ? "unset" : window.__xss');

describe('a hostile document', () => {
  it('is shown in the viewer and in search results without running any of its script', async () => {
    const { context, page } = await open('xss');
    try {
      await loginViaUi(page, user.username);
      const response = await page.goto(`/documents/${hostileId}`);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await visible(heading(page).filter({ hasText: 'Hostile document' }));
      const content = page.getByRole('article', { name: 'Document content' });
      await expectText(content, /Before the traps\.[\s\S]*After the traps\./);

      // Raw HTML did not become elements, and the javascript: link has no address to follow.
      expect(await content.locator('script').count()).toBe(0);
      expect(await content.locator('img').count()).toBe(0);
      expect(await content.locator('[onerror]').count()).toBe(0);
      expect(await content.locator('a[href^="javascript" i]').count()).toBe(0);
      const honest = content.getByRole('link', { name: 'honest link' });
      expect(await honest.getAttribute('href')).toBe('https://example.com/page');
      expect(await honest.getAttribute('rel')).toMatch(/noopener/);
      expect(await honest.getAttribute('rel')).toMatch(/noreferrer/);

      const url = page.url();
      await content.getByText('trap link', { exact: true }).click();
      await page.waitForTimeout(500);
      expect(page.url()).toBe(url);
      expect(await xssFlag(page)).toBe('unset');
      await screenshot(page, '15-viewer-hostile-document');

      // The matched chunk in search results is text too.
      await navigate(page, 'Search');
      await page.getByRole('textbox', { name: 'Query', exact: true }).fill('traps');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      const hit = page.getByRole('article', { name: '1. Hostile document' });
      await expectText(hit, /<script>window\.__xss=1<\/script>/, 60_000);
      expect(await hit.locator('script, img').count()).toBe(0);
      await page.waitForTimeout(500);
      expect(await xssFlag(page)).toBe('unset');

      // The probe itself works: it reads the page's own window.
      await page.evaluate('window.__xss = 1');
      expect(await xssFlag(page)).toBe(1);
    } finally {
      await context.close();
    }
  });
});

describe('the session', () => {
  it('survives a reload; logout returns to /login and stays logged out', async () => {
    const { context, page } = await open('session');
    try {
      // Logged in with the keyboard alone: the first field has focus, Tab moves on, Enter submits.
      await page.goto('/login');
      await visible(page.getByLabel('Username or email'));
      await page.keyboard.type(user.username);
      await page.keyboard.press('Tab');
      await page.keyboard.type(user.password);
      const login = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/web/login'));
      await page.keyboard.press('Enter');
      await expectUrl(page, /\/dashboard$/);
      const token = ((await (await login).json()) as { access_token: string }).access_token;
      await navigate(page, 'Collections');
      await visible(page.getByRole('table', { name: 'Collections' }).getByRole('link', { name: 'default' }));

      const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/web/refresh'));
      await page.reload();
      expect((await refreshed).status()).toBe(200);
      await expectUrl(page, /\/collections$/);
      await visible(page.getByRole('table', { name: 'Collections' }).getByRole('link', { name: 'default' }));
      await visible(page.getByRole('button', { name: `Account menu for ${user.username}` }));

      // Neither storage ever holds the access token, before or after the reload.
      const storage = await storageDump(page);
      expect(storage).not.toContain(token);
      expect(storage).not.toMatch(/ey[\w-]{10,}\.[\w-]{10,}/);

      await page.getByRole('button', { name: `Account menu for ${user.username}` }).click();
      const logout = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/web/logout'));
      await page.getByRole('menuitem', { name: 'Log out' }).click();
      expect((await logout).status()).toBe(200);
      await expectUrl(page, /\/login$/);
      await visible(heading(page).filter({ hasText: 'Log in' }));

      await page.reload();
      await visible(page.getByRole('button', { name: 'Log in' }));
      await page.waitForTimeout(1_000);
      expect(page.url()).toMatch(/\/login$/);
      await page.goto('/documents');
      await expectUrl(page, /\/login\?next=%2Fdocuments$/);
      await visible(heading(page).filter({ hasText: 'Log in' }));

      // The session cookie is spent on the server too, not just forgotten by the page.
      const refresh = await page.request.post('/api/v1/auth/web/refresh', {
        headers: { 'X-Requested-With': 'ainstruct' },
      });
      expect(refresh.status()).toBe(401);
    } finally {
      await context.close();
    }
  });
});

describe('at phone width', () => {
  it('opens the navigation from a burger and reaches Documents', async () => {
    const { context, page } = await open('phone', { width: 375, height: 800 });
    const noSideways = async () =>
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    try {
      await page.goto('/login');
      await noSideways();
      await screenshot(page, '16-phone-login');
      await loginViaUi(page, user.username);
      await noSideways();
      await screenshot(page, '17-phone-dashboard');

      // The desktop links are hidden; the burger opens the same navigation.
      expect(await page.getByRole('navigation', { name: 'Main', exact: true }).isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Open navigation' }).click();
      const menu = page.getByRole('navigation', { name: 'Main (mobile)' });
      await visible(menu);
      await screenshot(page, '18-phone-navigation');
      await menu.getByRole('link', { name: 'Documents' }).click();
      await expectUrl(page, /\/documents$/);
      await visible(heading(page).filter({ hasText: 'Documents' }));
      await hidden(menu);
      // Phones get one card per document instead of a table, so the actions stay on screen.
      await visible(
        page.getByRole('list', { name: 'Documents' }).getByRole('link', { name: 'Hostile document' }),
      );
      await noSideways();
      await screenshot(page, '19-phone-documents');

      // Every other page fits the phone's width too (wide tables scroll inside their own box).
      for (const [label, title] of [
        ['Collections', 'Collections'],
        ['Search', 'Search'],
        ['Tokens', 'Tokens'],
      ] as const) {
        await page.getByRole('button', { name: 'Open navigation' }).click();
        await page
          .getByRole('navigation', { name: 'Main (mobile)' })
          .getByRole('link', { name: label })
          .click();
        await visible(heading(page).filter({ hasText: title }));
        await page.waitForLoadState('networkidle');
        await noSideways();
        await screenshot(page, `20-phone-${label.toLowerCase()}`);
      }
    } finally {
      await context.close();
    }
  });
});

it('raised no script errors in the pages', () => {
  // Only the expected 401s (the session probe on a fresh load, and the refresh after logout) may appear.
  const unexpected = pages.flatMap(({ name, page }) =>
    page.problems
      .filter((p) => !/Failed to load resource: the server responded with a status of 401\b/.test(p))
      .map((p) => `${name}: ${p}`),
  );
  expect(unexpected).toEqual([]);
});
