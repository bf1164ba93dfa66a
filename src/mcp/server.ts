import { McpServer } from '@modelcontextprotocol/server';
import type { Config } from '../config.js';
import { VERSION } from '../version.js';
import type { McpCaller } from './caller.js';
import { cleanProtocolErrors } from './protocol-errors.js';
import { registerDocumentResources } from './resources.js';
import { type ClientFeatures, type McpDeps, type McpTool, mayUse } from './tool.js';
import { collectionTools } from './tools/collections.js';
import { documentTools } from './tools/documents.js';
import { jobTools } from './tools/jobs.js';
import { searchTool } from './tools/search.js';
import { tokenTools } from './tools/tokens.js';

const INSTRUCTIONS =
  'ainstruct is a long-term document memory. Save knowledge worth keeping (notes, decisions, specs, code) ' +
  'with store_document_tool and find it again with search_documents_tool, which combines meaning and exact ' +
  'keywords and returns ready-to-read context within a token budget. Read a whole document with ' +
  'get_document_tool or the resource ainstruct://documents/{document_id}. Documents live in collections; ' +
  'without collection_id they go to your "default" collection. You only see the tools your credential may ' +
  'use: a collection access token reaches its one collection, a read-only token cannot change anything. ' +
  'Failed calls return isError with a code such as DOCUMENT_NOT_FOUND or VALIDATION_ERROR and a message ' +
  'saying what to change.';

/**
 * All 16 tools of the original server and get_job_tool, built once per process (their schemas depend only on configuration).
 */
export function buildTools(config: Config): McpTool[] {
  return [
    searchTool({
      maxResults: config.SEARCH_MAX_RESULTS,
      maxTokens: config.SEARCH_MAX_TOKENS,
      minScore: config.SEARCH_MIN_SCORE,
    }),
    ...documentTools,
    ...jobTools,
    ...collectionTools,
    ...tokenTools({ catMaxDays: config.CAT_MAX_EXPIRY_DAYS }),
  ];
}

/**
 * One server per request, for one caller: it holds only the tools that caller's credential may use. The
 * listing is a convenience; each tool still goes through a service that asks the access policy on every call.
 */
export function createMcpServer(
  caller: McpCaller,
  deps: McpDeps,
  tools: McpTool[],
  client: ClientFeatures,
): McpServer {
  const server = new McpServer(
    { name: 'ainstruct', title: 'ainstruct document memory', version: VERSION },
    { instructions: INSTRUCTIONS },
  );
  const env = { ...deps, principal: caller.principal, requestId: caller.requestId, client };
  for (const tool of tools) {
    if (mayUse(env.principal, tool.needs)) tool.register(server, env);
  }
  registerDocumentResources(server, env);
  cleanProtocolErrors(server, deps.log, caller.requestId);
  return server;
}
