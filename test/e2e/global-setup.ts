import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * Once per e2e run: screenshots from an earlier run (a failed step's pictures too) must not linger. The path
 * matches SCREENSHOT_DIR in helpers.ts, which is not imported here because it pulls in the whole server.
 */
export default async function setup(): Promise<void> {
  await rm(resolve(import.meta.dirname, '../../test-results/e2e-screenshots'), {
    recursive: true,
    force: true,
  });
}
