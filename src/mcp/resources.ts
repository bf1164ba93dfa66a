import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ResourceLink,
  ResourceNotFoundError,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { AppError } from '../errors.js';
import type { ToolEnv } from './tool.js';

/**
 * Documents as MCP resources: `ainstruct://documents/{document_id}`, readable by whoever may read the
 * document.
 */

export const DOCUMENT_URI_TEMPLATE = 'ainstruct://documents/{document_id}';
/** How many documents resources/list names (the newest); the rest stay reachable through the template. */
const LISTED_DOCUMENTS = 100;

export const documentUri = (documentId: string) => `ainstruct://documents/${encodeURIComponent(documentId)}`;

const MIME_TYPES: Record<string, string> = {
  markdown: 'text/markdown',
  text: 'text/plain',
  html: 'text/html',
  css: 'text/css',
  javascript: 'text/javascript',
  typescript: 'text/x-typescript',
  json: 'application/json',
  python: 'text/x-python',
  java: 'text/x-java',
  php: 'text/x-php',
  rust: 'text/x-rust',
  go: 'text/x-go',
  cpp: 'text/x-c++',
  sql: 'application/sql',
  xml: 'application/xml',
  yaml: 'application/yaml',
};

export const mimeTypeOf = (documentType: string) => MIME_TYPES[documentType] ?? 'text/plain';

export function documentLink(document: {
  document_id: string;
  title: string;
  document_type: string;
  collection_name: string;
}): ResourceLink {
  return {
    type: 'resource_link',
    uri: documentUri(document.document_id),
    name: document.title,
    mimeType: mimeTypeOf(document.document_type),
    description: `Whole document (${document.document_type}) in collection "${document.collection_name}"`,
  };
}

/** A malformed escape cannot name a document; it is passed on as is and found by nobody. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function registerDocumentResources(server: McpServer, env: ToolEnv): void {
  const { principal, services } = env;
  const template = new ResourceTemplate(DOCUMENT_URI_TEMPLATE, {
    list: async () => {
      const page = await services.documents.list({
        principal,
        limit: LISTED_DOCUMENTS,
        offset: 0,
        sort: 'updated_at',
        order: 'desc',
      });
      return {
        resources: page.documents.map((document) => ({
          uri: documentUri(document.document_id),
          name: document.title,
          // Each listed document shows its own title, not the template's.
          title: document.title,
          mimeType: mimeTypeOf(document.document_type),
          description:
            `${document.document_type} in collection "${document.collection_name}", ` +
            `updated ${document.updated_at}`,
        })),
      };
    },
  });
  server.registerResource(
    'document',
    template,
    {
      title: 'Document',
      description: 'The full content of a stored document, by id (the newest documents are listed)',
    },
    async (uri, variables) => {
      const value = variables.document_id;
      const documentId = safeDecode((Array.isArray(value) ? value[0] : value) ?? '');
      try {
        const document = await services.documents.get({ principal, documentId });
        return {
          contents: [{ uri: uri.href, mimeType: mimeTypeOf(document.document_type), text: document.content }],
        };
      } catch (error) {
        if (error instanceof AppError && error.status === 404)
          throw new ResourceNotFoundError(uri.href, error.message);
        if (error instanceof AppError)
          throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `${error.code}: ${error.message}`);
        env.log.error({ err: error, reqId: env.requestId }, 'MCP resource read failed');
        throw new ProtocolError(
          ProtocolErrorCode.InternalError,
          `Internal server error (request id ${env.requestId})`,
        );
      }
    },
  );
}
