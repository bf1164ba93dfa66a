import type { ContentBlock } from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  documentType,
  metadata,
  minScoreArg,
  type SearchDefaults,
  searchResponseFields,
  searchResultFields,
} from '../../modules/documents/documents.schemas.js';
import { HARD_TOKEN_CAP } from '../../modules/search/search.service.js';
import { documentLink } from '../resources.js';
import { collectionIdArg, timestampArg } from '../schemas.js';
import { defineTool, type McpTool } from '../tool.js';

const MAX_RESULTS_CAP = 50;

/**
 * Hybrid search over what the caller can see. The token budget is clamped here as well as in the service, so
 * no request (however large its max_tokens) can produce a result an MCP client rejects for size.
 */
export function searchTool(defaults: SearchDefaults): McpTool {
  return defineTool({
    name: 'search_documents_tool',
    title: 'Search documents',
    description:
      'Find the most relevant chunks of your documents, by meaning and by keyword, as ready-to-read ' +
      'formatted_context within max_tokens. Ask in natural language or with exact terms (names, error ' +
      'messages, identifiers). Each hit links to its document; get_document_tool reads the full text.',
    input: z.strictObject({
      query: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(4000, 'must be at most 4000 characters')
        .describe('What to look for: a question, a description, or keywords'),
      max_results: z
        .number()
        .int()
        .min(1, 'must be at least 1')
        .default(defaults.maxResults)
        .transform((n) => Math.min(n, MAX_RESULTS_CAP))
        .describe(`Most chunks to return; above ${MAX_RESULTS_CAP} counts as ${MAX_RESULTS_CAP}`),
      max_tokens: z
        .number()
        .int()
        .min(1, 'must be at least 1')
        .default(defaults.maxTokens)
        .transform((n) => Math.min(n, HARD_TOKEN_CAP))
        .describe(
          `Token budget of the returned text, at most ${HARD_TOKEN_CAP} whatever is asked; ` +
            'lower-ranked chunks are cut or dropped to fit',
        ),
      min_score: minScoreArg(defaults.minScore),
      mode: z
        .enum(['hybrid', 'semantic', 'keyword'])
        .default('hybrid')
        .describe('hybrid fuses both; semantic: by meaning only; keyword: exact terms only (BM25)'),
      collection_id: collectionIdArg.optional().describe('Search only this collection'),
      collection_ids: z
        .array(collectionIdArg)
        .min(1)
        .max(100)
        .optional()
        .describe('Search only these collections'),
      document_type: z
        .union([documentType, z.array(documentType).min(1).max(22)])
        .optional()
        .describe('Only documents of this type (or any of these types)'),
      metadata: metadata
        .optional()
        .describe('Only documents whose doc_metadata contains all of these keys and values'),
      created_after: timestampArg
        .optional()
        .describe('Only documents created at or after this ISO 8601 time'),
      created_before: timestampArg.optional().describe('Only documents created before this ISO 8601 time'),
      updated_after: timestampArg
        .optional()
        .describe('Only documents updated at or after this ISO 8601 time'),
      updated_before: timestampArg.optional().describe('Only documents updated before this ISO 8601 time'),
    }),
    output: z.object({ ...searchResponseFields, results: z.array(z.object(searchResultFields)) }),
    annotations: { readOnlyHint: true, idempotentHint: true },
    needs: { userCredential: false, write: false },
    async run(args, { services, principal }) {
      // Both may be given: search their union. Neither: everything the caller can see.
      const named = [...(args.collection_ids ?? []), ...(args.collection_id ? [args.collection_id] : [])];
      const collectionIds = named.length > 0 ? named : undefined;
      return services.search.search({
        principal,
        query: args.query,
        mode: args.mode,
        maxResults: args.max_results,
        maxTokens: args.max_tokens,
        minScore: args.min_score,
        collectionIds,
        documentTypes: args.document_type === undefined ? undefined : [args.document_type].flat(),
        metadata: args.metadata,
        createdAfter: args.created_after,
        createdBefore: args.created_before,
        updatedAfter: args.updated_after,
        updatedBefore: args.updated_before,
      });
    },
    // The text an agent reads is the budgeted context itself (JSON would repeat every chunk twice and break
    // the budget); the links name each hit's document, which the context alone does not.
    present(data, client) {
      const text = data.formatted_context || `No document matches "${data.query}" well enough (min_score).`;
      if (!client.resourceLinks) return [{ type: 'text', text }];
      const seen = new Set<string>();
      const links: ContentBlock[] = [];
      for (const hit of data.results) {
        if (seen.has(hit.document_id)) continue;
        seen.add(hit.document_id);
        links.push(documentLink({ ...hit, collection_name: hit.collection }));
      }
      return [{ type: 'text', text }, ...links];
    },
  });
}
