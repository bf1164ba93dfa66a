import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Helpers for the end-to-end tests: the real server with the built UI, driven by Debian's Chromium. */

const ROOT = resolve(import.meta.dirname, '../..');
export const WEB_INDEX = join(ROOT, 'dist/web/index.html');
export const SCREENSHOT_DIR = join(ROOT, 'test-results/e2e-screenshots');

/** The password every e2e user gets (the UI asks for at least 8 characters). */
export const PASSWORD = 'correct horse battery';

/** Playwright's own waits: generous, because the machine is small and the embedding model is real. */
export const UI_TIMEOUT = 30_000;

/** The real server on a fresh database, serving the UI from dist/web; fails at once when it isn't built. */
export async function startE2eServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(WEB_INDEX)) {
    throw new Error(`The web UI is not built (${WEB_INDEX} is missing): run \`npx vite build\` first.`);
  }
  return startTestServer(overrides);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ContextOptions {
  width?: number;
  height?: number;
}

/** An isolated browser profile (own cookies, own storage) on the server, allowed to use the clipboard. */
export async function newContext(
  browser: Browser,
  baseURL: string,
  { width = 1280, height = 900 }: ContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width, height },
    // A fixed scheme and locale keep the screenshots comparable from run to run.
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  context.setDefaultTimeout(UI_TIMEOUT);
  context.setDefaultNavigationTimeout(UI_TIMEOUT);
  return context;
}

/** A page that records what the browser complained about, so a failing test can say why. */
export async function newPage(context: BrowserContext): Promise<Page & { problems: string[] }> {
  const page = (await context.newPage()) as Page & { problems: string[] };
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console: ${message.text()}`);
  });
  return page;
}

/** Waits until the locator's element is visible (playwright-core has no `expect`; this is its waiting half). */
export async function visible(locator: Locator, timeout = UI_TIMEOUT): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator;
}

export async function hidden(locator: Locator, timeout = UI_TIMEOUT): Promise<void> {
  await locator.first().waitFor({ state: 'hidden', timeout });
}

/** Waits until the element's visible text matches, then asserts it (so a failure shows the last text). */
export async function expectText(locator: Locator, pattern: RegExp | string, timeout = UI_TIMEOUT) {
  await expect
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with breaks between blocks, is what a user reads
    .poll(() => locator.innerText({ timeout: 2_000 }).catch((error: Error) => `<${error.message}>`), {
      timeout,
      interval: 200,
    })
    .toMatch(pattern);
}

export async function expectUrl(page: Page, pattern: RegExp, timeout = UI_TIMEOUT) {
  await expect.poll(() => page.url(), { timeout, interval: 100 }).toMatch(pattern);
}

let screenshotDirReady: Promise<unknown> | undefined;

/** A full-page screenshot under test-results/e2e-screenshots/<name>.png, once animations have settled. */
export async function screenshot(page: Page, name: string): Promise<string> {
  screenshotDirReady ??= mkdir(SCREENSHOT_DIR, { recursive: true });
  await screenshotDirReady;
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.waitForTimeout(400);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** A unique, valid username (letters, digits, "_", "." and "-"). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export async function registerViaUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Email', { exact: true }).fill(`${username}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expectUrl(page, /\/login\?/);
}

export async function loginViaUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  if (!page.url().includes('/login')) await page.goto('/login');
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expectUrl(page, /\/dashboard$/);
  await visible(page.getByRole('heading', { level: 1, name: `Welcome, ${username}` }));
}

/** Registers and logs in through the UI; leaves the page on the dashboard. */
export async function signUp(page: Page, username: string): Promise<void> {
  await registerViaUi(page, username);
  await loginViaUi(page, username);
}

/** Follows a link in the desktop header's main navigation. */
export async function navigate(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main', exact: true })
    .getByRole('link', { name: label })
    .click();
}

/** The page's main heading (there is exactly one h1 per page). */
export const heading = (page: Page) => page.getByRole('heading', { level: 1 });

/** What the page's storage holds: the access token must never be there. */
export async function storageDump(page: Page): Promise<string> {
  return page.evaluate(
    `JSON.stringify({ local: { ...window.localStorage }, session: { ...window.sessionStorage } })`,
  );
}
