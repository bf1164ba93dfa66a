import { type CallToolResult, Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { sql } from 'drizzle-orm';
import { decodeJwt, SignJWT } from 'jose';
import { expect } from 'vitest';
import type { Executor } from '../../src/db/client.js';
import { ERROR_META_KEY } from '../../src/mcp/results.js';
import { type ApiClient, createUser, promote, type TestUser } from './client.js';
import { createCat, createCollection, createPat } from './documents.js';
import { TEST_JWT_SECRET } from './server.js';

/** MCP tests talk to the real /mcp through the official client over real HTTP. */

/** The protocol revision a test client speaks: the current one (2026-07-28) or a pinned 2025-era revision. */
export type Protocol = 'current' | '2025-11-25' | '2025-06-18' | '2025-03-26';
export const CURRENT_PROTOCOL = '2026-07-28';

export async function connectMcp(
  baseUrl: string,
  token: string,
  protocol: Protocol = 'current',
  headers: Record<string, string> = {},
): Promise<Client> {
  const options =
    protocol === 'current'
      ? { versionNegotiation: { mode: { pin: CURRENT_PROTOCOL } } }
      : // A 2025-era client offers only the pinned revision in its initialize handshake.
        { supportedProtocolVersions: [protocol] };
  const client = new Client({ name: 'ainstruct-tests', version: '1.0.0' }, options);
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } },
  });
  await client.connect(transport);
  return client;
}

export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name).sort();
}

export function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return client.callTool({ name, arguments: args });
}

export type Data = Record<string, unknown>;

function isData(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The structured content of a successful result (fails the test on an error result). */
export function ok(result: CallToolResult): Data {
  if (result.isError) throw new Error(`expected success, got ${JSON.stringify(result.content)}`);
  const data = result.structuredContent;
  if (!isData(data)) throw new Error(`no structured content: ${JSON.stringify(result)}`);
  return data;
}

export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/**
 * The machine-readable error of a failed result, from `_meta["ainstruct/error"]` (fails the test when it is
 * missing, or when the result also carries structured content, which only successes may).
 */
export function errorOf(result: CallToolResult): Data {
  expect(result.isError, JSON.stringify(result.content)).toBe(true);
  expect(result.structuredContent, 'an error result carries no structured content').toBeUndefined();
  const error = result._meta?.[ERROR_META_KEY];
  if (!isData(error)) throw new Error(`no ${ERROR_META_KEY} in _meta: ${JSON.stringify(result)}`);
  return error;
}

/** Asserts a tool-level failure with this code, in the text and in `_meta`; returns the error object. */
export function expectToolError(result: CallToolResult, code: string): Data {
  const error = errorOf(result);
  expect(textOf(result)).toMatch(new RegExp(`^${code}: .+`));
  expect(error.code).toBe(code);
  return error;
}

export const str = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
};

export const list = (value: unknown): Data[] => {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value.filter(isData);
};

/** All 17 tools (the original's 16 and get_job_tool), and the subsets each kind of credential is shown. */
export const DOCUMENT_READ_TOOLS = [
  'get_document_tool',
  'get_job_tool',
  'list_documents_tool',
  'search_documents_tool',
];
/** What a read_write collection access token may use besides reading. */
export const DOCUMENT_WRITE_TOOLS = ['delete_document_tool', 'store_document_tool', 'update_document_tool'];
export const USER_READ_TOOLS = [
  'get_collection_tool',
  'list_collection_access_tokens_tool',
  'list_collections_tool',
];
/** Writing with a user credential; moving a document needs one too (a CAT has no second collection). */
export const USER_WRITE_TOOLS = [
  'create_collection_access_token_tool',
  'create_collection_tool',
  'delete_collection_tool',
  'move_document_tool',
  'rename_collection_tool',
  'revoke_collection_access_token_tool',
  'rotate_collection_access_token_tool',
];
export const ALL_TOOLS = [
  ...DOCUMENT_READ_TOOLS,
  ...DOCUMENT_WRITE_TOOLS,
  ...USER_READ_TOOLS,
  ...USER_WRITE_TOOLS,
].sort();

/** A user with one credential of every kind, and two collections: `main` (the CATs' one) and `other`. */
export interface Tenant {
  user: TestUser;
  jwt: string;
  pat: string;
  readPat: string;
  mainCollectionId: string;
  otherCollectionId: string;
  catRead: string;
  catReadWrite: string;
}

export async function createReadPat(api: ApiClient, token: string): Promise<{ id: string; token: string }> {
  const response = await api.post('/api/v1/auth/pat', { label: 'read-only', scopes: ['read'] }, token);
  if (response.status !== 201) throw new Error(`create read PAT failed: ${JSON.stringify(response.body)}`);
  return { id: str(response.body.pat_id), token: str(response.body.token) };
}

export async function createTenant(api: ApiClient, prefix: string): Promise<Tenant> {
  const user = await createUser(api, prefix);
  const mainCollectionId = await createCollection(api, user.accessToken, 'main');
  const otherCollectionId = await createCollection(api, user.accessToken, 'other');
  return {
    user,
    jwt: user.accessToken,
    pat: (await createPat(api, user.accessToken)).token,
    readPat: (await createReadPat(api, user.accessToken)).token,
    mainCollectionId,
    otherCollectionId,
    catRead: await createCat(api, user.accessToken, mainCollectionId, 'read'),
    catReadWrite: await createCat(api, user.accessToken, mainCollectionId, 'read_write'),
  };
}

/** Credentials that must be refused before any tool runs. */
export interface DeadCredentials {
  deactivatedJwt: string;
  deactivatedPat: string;
  deactivatedCat: string;
  expiredPat: string;
  expiredJwt: string;
}

/** A JWT with the same claims as `token` (same user and session) that expired a minute ago. */
export async function expiredCopy(token: string): Promise<string> {
  const { exp: _exp, iat: _iat, ...claims } = decodeJwt(token);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

export async function createDeadCredentials(api: ApiClient, db: Executor): Promise<DeadCredentials> {
  const admin = await createUser(api, 'mcpadmin');
  await promote(api, admin.userId);
  const doomed = await createUser(api, 'mcpdoomed');
  const deactivatedPat = (await createPat(api, doomed.accessToken)).token;
  const deactivatedCat = await createCat(api, doomed.accessToken, doomed.defaultCollectionId, 'read_write');
  const patched = await api.patch(
    `/api/v1/admin/users/${doomed.userId}`,
    { is_active: false },
    admin.accessToken,
  );
  if (patched.status !== 200) throw new Error(`deactivate failed: ${JSON.stringify(patched.body)}`);

  const lapsed = await createUser(api, 'mcplapsed');
  const expiring = await createPat(api, lapsed.accessToken);
  const past = sql`now() - interval '1 minute'`;
  await db.execute(
    sql`update personal_access_tokens set expires_at = ${past} where id = ${expiring.id}::uuid`,
  );
  return {
    deactivatedJwt: doomed.accessToken,
    deactivatedPat,
    deactivatedCat,
    expiredPat: expiring.token,
    expiredJwt: await expiredCopy(lapsed.accessToken),
  };
}

/** A raw JSON-RPC POST to /mcp, for what the client library would not send (or would hide). */
export async function postMcp(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export const initializeRequest = (protocolVersion = '2025-11-25') => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
});
