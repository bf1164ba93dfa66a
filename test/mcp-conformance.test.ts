import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createUser } from './helpers/client.js';
import { createPat } from './helpers/documents.js';
import {
  type AuthenticatingProxy,
  type ConformanceRun,
  formatConformance,
  runConformance,
  startAuthenticatingProxy,
} from './helpers/mcp-conformance.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * The official conformance suite against the real /mcp (through a proxy that only adds the PAT). Its other
 * scenarios call fixture tools, prompts and resources (`test_simple_text`, `test://static-text`, …) that only
 * its reference server has, or features ainstruct does not offer (prompts, logging, subscriptions); those
 * are recorded, not required.
 */

const REQUIRED = ['server-initialize', 'ping', 'tools-list', 'resources-list', 'dns-rebinding-protection'];

let server: TestServer;
let proxy: AuthenticatingProxy;
let run: ConformanceRun;

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  const api = new ApiClient(server.url);
  const user = await createUser(api, 'conformance');
  proxy = await startAuthenticatingProxy(server.url, (await createPat(api, user.accessToken)).token);
  run = await runConformance(`${proxy.url}/mcp`, 240_000);
  await mkdir('test-results', { recursive: true });
  // The same list on both databases; the README quotes it.
  await writeFile('test-results/mcp-conformance.txt', formatConformance(run));
}, 300_000);

afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

describe('@modelcontextprotocol/conformance server suite', () => {
  it('ran its scenarios', () => {
    expect(run.scenarios.size, run.output).toBeGreaterThanOrEqual(REQUIRED.length);
  });

  for (const scenario of REQUIRED) {
    it(`passes ${scenario}`, () => {
      const result = run.scenarios.get(scenario);
      expect(result, `${scenario} did not run:\n${run.output}`).toBeDefined();
      expect(result?.failed, result?.errors.join('\n')).toBe(0);
      expect(result?.passed).toBeGreaterThan(0);
    });
  }
});
