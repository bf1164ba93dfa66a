import { z } from 'zod';
import { pageQuery } from '../../http/schemas.js';
import { DOCUMENT_TYPES } from '../../ingest/document-types.js';
import { timestamp } from '../../validation/timestamp.js';

export const MAX_METADATA_BYTES = 64 * 1024;

/** No description: the enum lists the values already, in every schema generated from it. */
export const documentType = z.enum(DOCUMENT_TYPES, {
  error: () => `must be one of: ${DOCUMENT_TYPES.join(', ')}`,
});

export const title = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');
export const content = z
  .string()
  .refine((value) => value.trim().length > 0, 'must not be empty')
  .describe('The text (UTF-8, at most MAX_DOCUMENT_BYTES, default 5 MB)');
/**
 * zod's record parsing drops an own `__proto__` key without a word, which would store metadata other than what
 * was sent (MCP arguments and CLI input are plain `JSON.parse` results; REST bodies with it are refused by
 * Fastify's JSON parser already), so it is refused instead.
 */
const withoutProtoKey = z.unknown().superRefine((value, ctx) => {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__'))
    ctx.addIssue({ code: 'custom', message: 'must not have a key named __proto__' });
});

export const metadata = withoutProtoKey
  .pipe(z.record(z.string(), z.unknown(), { error: () => 'must be a JSON object' }))
  .refine(
    (value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES,
    `must be at most ${MAX_METADATA_BYTES / 1024} KB as JSON`,
  )
  .describe('Free-form JSON object, filterable in search by containment');
const id = z.string().min(1).max(100);

const overFrontMatter = `${metadata.description}; merged over markdown front matter keys (these win)`;

export const storeBody = z.object({
  title: title
    .optional()
    .describe(
      'Default: the front matter title:, else the first markdown heading (422 TITLE_REQUIRED if none)',
    ),
  content,
  document_type: documentType.default('markdown'),
  metadata: metadata
    .describe(overFrontMatter)
    .nullish()
    .transform((value) => value ?? {}),
  collection_id: id
    .nullish()
    .describe('Target collection; default: the caller\'s "default" collection (a CAT: its own)'),
  wait: z
    .boolean()
    .optional()
    .describe(
      'false: store in the background and answer 202 with a job at once. Default: wait, unless the content is over JOBS_BACKGROUND_OVER_BYTES (then 202 too)',
    ),
});

export const updateBody = z.object({
  title: title.nullish(),
  content: content.nullish(),
  document_type: documentType.nullish(),
  metadata: metadata.describe(`${overFrontMatter}; replaces the metadata given before`).nullish(),
  expected_updated_at: timestamp
    .optional()
    .describe('Refuse with 409 DOCUMENT_CHANGED if the document was updated after this time'),
});

export const moveBody = z.object({ target_collection_id: id });
export const documentParams = z.object({ document_id: id });
export const listQuery = pageQuery(50).extend({
  collection_id: id.optional(),
  document_type: documentType.optional(),
  sort: z.enum(['created_at', 'updated_at', 'title']).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
});

/** Server-wide defaults of a search request (SEARCH_MAX_RESULTS, SEARCH_MAX_TOKENS, SEARCH_MIN_SCORE). */
export interface SearchDefaults {
  maxResults: number;
  maxTokens: number;
  minScore: number;
}

/** The relevance floor, as REST and MCP both take it. */
export const minScoreArg = (fallback: number) =>
  z
    .number()
    .min(0, 'must be between 0 and 1')
    .max(1, 'must be between 0 and 1')
    .default(fallback)
    .describe('Leave out results whose relevance (score) is below this; 0 returns everything ranked');

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1).max(50)]);

export const searchBody = (defaults: SearchDefaults) =>
  z.object({
    query: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
    mode: z
      .enum(['hybrid', 'semantic', 'keyword'])
      .default('hybrid')
      .describe('hybrid (default) fuses keyword and semantic'),
    collection_id: id.optional(),
    collection_ids: z.array(id).min(1).max(100).optional(),
    document_type: oneOrMany(documentType).optional(),
    metadata: metadata.optional(),
    created_after: timestamp.optional(),
    created_before: timestamp.optional(),
    updated_after: timestamp.optional(),
    updated_before: timestamp.optional(),
    max_results: z.number().int().min(1).max(50).default(defaults.maxResults),
    max_tokens: z
      .number()
      .int()
      .min(1)
      .max(20_000)
      .default(defaults.maxTokens)
      .describe('Hard budget for formatted_context in cl100k tokens'),
    min_score: minScoreArg(defaults.minScore),
  });

const summaryFields = {
  document_id: z.string(),
  title: z.string(),
  collection_id: z.string(),
  collection_name: z.string(),
  content_hash: z.string(),
  document_type: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  chunk_count: z.number(),
  token_count: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
};
export const documentSummary = z.object(summaryFields);
export const documentResponse = z.object({ ...summaryFields, content: z.string() });
export const storeResponse = documentSummary.extend({
  duplicate: z
    .boolean()
    .describe('True when identical content already existed in the collection and was returned'),
});
export const moveResponse = documentResponse.extend({ previous_collection_id: z.string() });
export const listResponse = z.object({
  documents: z.array(documentSummary),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});
/** One search hit, as REST and MCP both return it. */
export const searchResultFields = {
  document_id: z.string(),
  title: z.string(),
  chunk_index: z.number(),
  content: z.string().describe('The chunk text (possibly cut to fit the budget, see truncated)'),
  score: z
    .number()
    .describe(
      'Relevance in [0, 1]: the estimated chance that this document answers the query (same scale for every query)',
    ),
  collection: z.string().describe('Name of the collection'),
  collection_id: z.string(),
  document_type: z.string(),
  heading_path: z.array(z.string()).describe('Title and headings above the chunk'),
  truncated: z.boolean(),
};
/** A search response around its hits, as REST and MCP both return it. */
export const searchResponseFields = {
  query: z.string(),
  mode: z.enum(['hybrid', 'semantic', 'keyword']),
  total_results: z
    .number()
    .describe('Chunks ranked at or above min_score, up to max_results, before the token budget was applied'),
  tokens_used: z.number().describe('cl100k tokens of formatted_context; at most max_tokens'),
  formatted_context: z
    .string()
    .describe('The kept chunks as one markdown text, each under its title, collection and relevance'),
  rerank: z
    .object({
      applied: z.boolean().describe("True when the results are in the reranker's order"),
      model: z.string().optional().describe('The configured reranker model'),
      error: z
        .string()
        .optional()
        .describe('Why the reranker was not applied (the results are then in the fused order)'),
    })
    .nullable()
    .describe('The cross-encoder reranker (RERANK_PROVIDER); null when none is configured'),
  degraded: z
    .object({ reason: z.literal('VECTOR_STORE_UNAVAILABLE'), message: z.string() })
    .optional()
    .describe('Present when hybrid answered from keyword matches alone because the vector store was down'),
};
const rankPair = z.object({ keyword: z.number().nullable(), semantic: z.number().nullable() });
export const searchResponse = z.object({
  ...searchResponseFields,
  results: z.array(
    z.object({
      ...searchResultFields,
      ranks: rankPair,
      scores: rankPair.extend({
        rerank: z.number().nullable().describe("The reranker's relevance score; null when not reranked"),
      }),
    }),
  ),
});
