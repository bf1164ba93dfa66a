import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/ingest/tokenizer.js';
import { ApiClient } from './helpers/client.js';
import { ALL_TOOLS, connectMcp, createTenant, type Tenant } from './helpers/mcp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * What tools/list costs an agent: every tool's name, description and schemas land in its context on every
 * session, so the listing for a full-access credential is held to a token budget, and its schemas to what
 * strict JSON Schema tooling (e.g. the MCP Inspector) accepts without warnings.
 */

const TOKEN_BUDGET = 6000;

let server: TestServer;
let tenant: Tenant;
let tools: Tool[];

beforeAll(async () => {
  server = await startTestServer({ EMBEDDING_WORKERS: '1' });
  tenant = await createTenant(new ApiClient(server.url), 'mcplist');
  const client = await connectMcp(server.url, tenant.pat);
  tools = (await client.listTools()).tools;
  await client.close();
});
afterAll(() => server?.close());

/** Every place in a JSON value that breaks one of the rules, as `path: problem`. */
function schemaProblems(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => schemaProblems(item, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (key === '$schema') problems.push(`${at}: $schema`);
    if (
      key === 'additionalProperties' &&
      typeof child === 'object' &&
      child !== null &&
      Object.keys(child).length === 0
    ) {
      problems.push(`${at}: empty object`);
    }
    if (/^(exclusiveM|m)(in|ax)imum$/.test(key) && typeof child === 'number') {
      if (Math.abs(child) >= Number.MAX_SAFE_INTEGER) problems.push(`${at}: ${child}`);
    }
    problems.push(...schemaProblems(child, at));
  }
  return problems;
}

describe('tools/list for a PAT', () => {
  it('lists all 17 tools', () => {
    expect(tools.map((tool) => tool.name).sort()).toEqual(ALL_TOOLS);
  });

  it(`fits in ${TOKEN_BUDGET} cl100k tokens`, () => {
    const tokens = countTokens(JSON.stringify(tools));
    console.info(`MCP tools/list for a PAT: ${tokens} cl100k tokens (${tools.length} tools)`);
    expect(tokens).toBeLessThanOrEqual(TOKEN_BUDGET);
  });

  it('advertises schemas without $schema, empty additionalProperties or out-of-range bounds', () => {
    const problems = tools.flatMap((tool) => [
      ...schemaProblems(tool.inputSchema, `${tool.name}.inputSchema`),
      ...schemaProblems(tool.outputSchema, `${tool.name}.outputSchema`),
    ]);
    expect(problems).toEqual([]);
  });

  it('gives every tool an object output schema that describes success only', () => {
    for (const tool of tools) {
      // Errors carry no structured content, so the schema is the success shape alone, not a union with them.
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.outputSchema?.anyOf, tool.name).toBeUndefined();
      expect(tool.outputSchema?.properties, tool.name).not.toHaveProperty('error');
    }
  });
});
