import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  expectUrl,
  heading,
  launchBrowser,
  navigate,
  newContext,
  newPage,
  signUp,
  startE2eServer,
  uniqueName,
  visible,
} from './helpers.js';

/**
 * With one-minute access tokens, the UI must renew its token from the session cookie before it expires, so a
 * person who keeps a tab open never hits an expired token (a 401 answered by a retry would hide a missing
 * renewal, so the test asserts that no API call was refused at all).
 */

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2eServer({ JWT_ACCESS_TOKEN_EXPIRE_MINUTES: '1' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('silent refresh', () => {
  it('renews the access token before it expires, without a refused call', async () => {
    const context = await newContext(browser, server.url);
    const page = await newPage(context);
    const username = uniqueName('dora');
    await signUp(page, username);

    const refreshes: number[] = [];
    const refused: string[] = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      if (url.pathname === '/api/v1/auth/web/refresh' && response.status() === 200)
        refreshes.push(Date.now());
      if (url.pathname.startsWith('/api/') && response.status() === 401) refused.push(url.pathname);
    });

    // Past the token's one-minute lifetime, then use the app.
    await page.waitForTimeout(75_000);
    await navigate(page, 'Documents');
    await expectUrl(page, /\/documents/);
    await visible(heading(page).filter({ hasText: 'Documents' }));
    await navigate(page, 'Dashboard');
    await visible(page.getByRole('heading', { level: 1, name: `Welcome, ${username}` }));

    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refused).toEqual([]);
    await context.close();
  }, 180_000);
});
