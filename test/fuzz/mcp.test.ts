import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_META_KEY } from '../../src/mcp/results.js';
import { ALL_TOOLS, connectMcp, initializeRequest, postMcp } from '../helpers/mcp.js';
import {
  conforming,
  hostileJson,
  hostileString,
  type JsonSchema,
  MISSING_UUID,
  violating,
} from './arbitraries.js';
import { fuzz, type Observed, report, stateProblems } from './oracle.js';
import { type Credential, World } from './world.js';

/**
 * Every MCP tool, as tools/list describes it (inputSchema), called through the official client by every kind of
 * caller with valid-but-hostile and invalid arguments; and raw JSON-RPC the client would never send. A failure
 * must be a tool result with isError and a stable code (never a JSON-RPC error for a tool the caller can see,
 * never INTERNAL_ERROR); nothing may change on a failure, nor for a tenant by anyone else.
 */

const world = await World.start();

interface Session {
  authorization: string;
  client: Client;
  tools: Set<string>;
}
const sessions = new Map<string, Session>();

/** MCP callers: every credential that authenticates (the others are refused at HTTP level, fuzzed below). */
const mcpCallers = () => world.credentials.filter((c) => c.owner !== undefined);

/** Connects (again, after heal() replaced a token) each caller's official client. */
async function connectAll(): Promise<void> {
  for (const caller of mcpCallers()) {
    const existing = sessions.get(caller.name);
    const authorization = caller.authorization ?? '';
    if (existing?.authorization === authorization) continue;
    await existing?.client.close();
    const client = await connectMcp(world.server.url, authorization.replace(/^Bearer /, ''));
    const tools = new Set((await client.listTools()).tools.map((tool) => tool.name));
    sessions.set(caller.name, { authorization, client, tools });
  }
}

await connectAll();
const allTools = (await (sessions.get('a.jwt') as Session).client.listTools()).tools;

afterAll(async () => {
  for (const session of sessions.values()) await session.client.close();
  await world.close();
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function argumentsArbitrary(
  schema: JsonSchema,
  caller: Credential,
  unsafe: boolean,
): fc.Arbitrary<Record<string, unknown>> {
  const ids = world.idSource(caller, unsafe);
  return fc
    .oneof(
      { weight: 3, arbitrary: conforming(schema, 'arguments', ids) },
      { weight: 2, arbitrary: violating(schema, 'arguments', ids) },
    )
    .filter(isObject);
}

/** The problems of one tool call's outcome: a result, or the error the client threw. */
function toolProblems(
  outcome: CallToolResult | Error,
  visible: boolean,
): { problems: string[]; rejected: boolean } {
  if (outcome instanceof Error) {
    const code = (outcome as { code?: unknown }).code;
    // A tool the caller's tools/list does not show may be unknown to its server: a protocol error is right.
    if (!visible && code === -32602) return { problems: [], rejected: true };
    return {
      problems: [`JSON-RPC error instead of a tool result: ${String(code)} ${outcome.message}`],
      rejected: true,
    };
  }
  if (!outcome.isError) return { problems: [], rejected: false };
  const error = outcome._meta?.[ERROR_META_KEY] as { code?: unknown; message?: unknown } | undefined;
  const first = outcome.content[0];
  const text = first?.type === 'text' ? first.text : '';
  const problems: string[] = [];
  if (outcome.structuredContent !== undefined) problems.push('isError with structured content');
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    problems.push(`isError without _meta["${ERROR_META_KEY}"] {code, message}`);
  } else {
    if (error.code === 'INTERNAL_ERROR') problems.push('INTERNAL_ERROR (a server fault)');
    if (!text.startsWith(`${error.code}: `)) problems.push('error text does not start with its code');
  }
  return { problems, rejected: true };
}

describe('MCP fuzz', () => {
  it('lists all 16 tools to a full-access credential', () => {
    expect(allTools.map((tool) => tool.name).sort()).toEqual(ALL_TOOLS);
  });

  for (const tool of allTools) {
    const unsafe = tool.annotations?.readOnlyHint !== true;
    it(`tool ${tool.name}`, async () => {
      if (await world.heal()) await connectAll();
      const calls = fc.constantFrom(...mcpCallers()).chain((caller) =>
        argumentsArbitrary(tool.inputSchema as JsonSchema, caller, unsafe).map((args) => ({
          caller,
          args,
        })),
      );
      await fuzz(
        calls,
        async ({ caller, args }) => {
          const session = sessions.get(caller.name) as Session;
          const before = await world.snapshot();
          const outcome = await session.client
            .callTool({ name: tool.name, arguments: args })
            .then((result) => result as CallToolResult)
            .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
          const after = await world.snapshot();
          const { problems, rejected } = toolProblems(outcome, session.tools.has(tool.name));
          const responseText = outcome instanceof Error ? outcome.message : JSON.stringify(outcome);
          const observed: Observed = {
            caller,
            requestText: `${tool.name} ${JSON.stringify(args)}`,
            rejected,
            responseText,
            before,
            after,
          };
          report(
            [...problems, ...stateProblems(world, observed)],
            observed,
            rejected ? 'error' : 'ok',
            responseText,
          );
        },
        25,
      );
    });
  }

  it('answers raw JSON-RPC it cannot use with a protocol error, never a server fault', async () => {
    if (await world.heal()) await connectAll();
    const names = allTools.map((tool) => tool.name);
    const documentUris = [
      ...world.a.pastIds.document,
      ...world.b.pastIds.document,
      MISSING_UUID,
      '../x',
      '%00',
    ].map((id) => `ainstruct://documents/${id}`);
    const params = fc.oneof(
      fc.record(
        { name: fc.oneof(fc.constantFrom(...names), hostileString), arguments: hostileJson },
        { requiredKeys: [] },
      ),
      fc.record({ uri: fc.oneof(fc.constantFrom(...documentUris), hostileString) }),
      hostileJson,
    );
    const message = fc.record(
      {
        jsonrpc: fc.oneof(
          { weight: 5, arbitrary: fc.constant('2.0') },
          { weight: 1, arbitrary: hostileJson },
        ),
        id: fc.oneof(fc.integer(), hostileString, fc.constant(null), hostileJson),
        method: fc.oneof(
          fc.constantFrom(
            'tools/call',
            'tools/list',
            'resources/read',
            'resources/list',
            'resources/templates/list',
            'ping',
            'initialize',
            'notifications/initialized',
            'prompts/list',
            'completion/complete',
            'logging/setLevel',
          ),
          hostileString,
        ),
        params,
      },
      { requiredKeys: ['jsonrpc', 'method'] },
    );
    const body = fc.oneof(
      { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
      { weight: 1, arbitrary: fc.array(message, { maxLength: 3 }).map((m) => JSON.stringify(m)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          '{',
          'null',
          '[]',
          '[[]]',
          '"x"',
          JSON.stringify(initializeRequest('1999-01-01')),
          `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
        ),
      },
    );
    const headers = fc.record(
      {
        'mcp-protocol-version': fc.constantFrom(
          '2025-03-26',
          '2025-06-18',
          '2025-11-25',
          '2026-07-28',
          '1999-01-01',
          'garbage',
        ),
        accept: fc.constantFrom(
          'application/json, text/event-stream',
          'application/json',
          'text/event-stream',
          '*/*',
          'text/html',
        ),
        'content-type': fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16'),
      },
      { requiredKeys: [] },
    );
    const requests = fc.record({ caller: world.callers(), body, headers });
    await fuzz(
      requests,
      async ({ caller, body, headers }) => {
        const auth: Record<string, string> = caller.authorization
          ? { authorization: caller.authorization }
          : {};
        const before = await world.snapshot();
        const response = await postMcp(world.server.url, body, { ...headers, ...auth });
        const after = await world.snapshot();
        const problems: string[] = [];
        if (response.status >= 500) problems.push(`server error ${response.status}`);
        if (caller.owner === undefined && response.status !== 401)
          problems.push('a bad credential was not refused with 401');
        if (response.status === 401 && !response.headers.get('www-authenticate'))
          problems.push('401 without WWW-Authenticate');
        for (const match of response.text.matchAll(/"code"\s*:\s*(-?\d+)/g)) {
          if (match[1] === '-32603') problems.push('JSON-RPC internal error (-32603)');
        }
        const observed: Observed = {
          caller,
          requestText: `${JSON.stringify(headers)} ${body}`,
          // A batch may mix successes and refusals; only a lone refusal must have changed nothing.
          rejected:
            response.status >= 400 ||
            (!body.startsWith('[') && /"error"\s*:\s*\{\s*"code"/.test(response.text)),
          responseText: response.text,
          before,
          after,
        };
        report(
          [...problems, ...stateProblems(world, observed)],
          observed,
          String(response.status),
          response.text,
        );
      },
      120,
    );
  });
});
