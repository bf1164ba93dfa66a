import { z } from 'zod';
import { requireUserCredential } from '../../auth/access.js';
import { content, documentType, metadata, title } from '../../modules/documents/documents.schemas.js';
import {
  collectionIdArg,
  documentIdArg,
  documentSummary,
  limitArg,
  offsetArg,
  storedDocumentFields,
  timestampArg,
  withDocMetadata,
} from '../schemas.js';
import { defineTool, type McpTool } from '../tool.js';

/** Storing, reading, changing, moving and deleting documents: what collection access tokens can use too. */

const DOC_METADATA =
  'Free-form JSON object stored with the document (e.g. {"project": "x", "tags": ["a"]}); ' +
  'search can filter on it by containment. At most 64 KB as JSON';
const readDocument = { userCredential: false, write: false };
const writeDocument = { userCredential: false, write: true };
/**
 * A collection access token reaches one collection: it has nowhere to move a document to, so this tool is
 * for user credentials (REST still lets a CAT "move" within its collection, a no-op).
 */
const moveDocument = { userCredential: true, write: true };

const store = defineTool({
  name: 'store_document_tool',
  title: 'Store document',
  description:
    'Save a document to memory for later search (chunked and embedded for semantic and keyword search). ' +
    'Markdown may start with YAML front matter (---, key: value lines, ---): its keys become metadata ' +
    '(doc_metadata wins on the same key) and it is not searched as text. Content already in the collection ' +
    'is not stored again: the existing document is returned with duplicate: true. Large content (or ' +
    'wait: false) is stored in the background: you get a job_id for get_job_tool instead.',
  input: z.strictObject({
    title: title
      .optional()
      .describe(
        'Short title, shown in search results. Optional for markdown that names itself (front matter ' +
          'title:, else its first heading)',
      ),
    content: content.describe('The full text (markdown, plain text or code), at most 5 MB by default'),
    document_type: documentType
      .default('markdown')
      .describe('Format of the content; decides how it is chunked'),
    doc_metadata: metadata.nullish().describe(DOC_METADATA),
    collection_id: collectionIdArg
      .nullish()
      .describe('Collection to store into (default: your "default" collection; a collection token: its own)'),
    wait: z.boolean().optional().describe('false: return a job_id at once instead of waiting'),
  }),
  output: z.object({
    ...z.object(storedDocumentFields).partial().shape,
    job_id: z.string().optional().describe('Set instead of the document when storing in the background'),
    message: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
  needs: writeDocument,
  async run(args, { services, principal }) {
    const outcome = await services.jobs.storeDocument({
      principal,
      title: args.title,
      content: args.content,
      documentType: args.document_type,
      metadata: args.doc_metadata ?? {},
      collectionId: args.collection_id ?? undefined,
      wait: args.wait,
    });
    if ('job' in outcome) {
      return {
        job_id: outcome.job.job_id,
        message: `Storing in the background; follow it with get_job_tool (job_id ${outcome.job.job_id})`,
      };
    }
    const { document, duplicate } = outcome.stored;
    const message = duplicate
      ? `Identical content is already stored as "${document.title}" in collection ` +
        `"${document.collection_name}"; returned that document`
      : `Document stored with ${document.chunk_count} chunks (${document.token_count} tokens) ` +
        `in collection "${document.collection_name}"`;
    return { ...document, duplicate, message };
  },
});

const get = defineTool({
  name: 'get_document_tool',
  title: 'Get document',
  description:
    'Read one whole document (content, type, metadata, collection) by its id. Search results only carry ' +
    'chunks; use this when you need the complete text.',
  input: z.strictObject({ document_id: documentIdArg }),
  output: documentSummary.extend({ content: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  needs: readDocument,
  async run(args, { services, principal }) {
    return withDocMetadata(await services.documents.get({ principal, documentId: args.document_id }));
  },
});

const list = defineTool({
  name: 'list_documents_tool',
  title: 'List documents',
  description:
    'List the documents you can see (titles and metadata, no content), newest first by default, a page at ' +
    'a time.',
  input: z.strictObject({
    limit: limitArg(50),
    offset: offsetArg,
    collection_id: collectionIdArg.nullish().describe('Only documents in this collection'),
    document_type: documentType.nullish().describe('Only documents of this type'),
    sort: z.enum(['created_at', 'updated_at', 'title']).default('created_at').describe('Sort key'),
    order: z.enum(['asc', 'desc']).default('desc').describe('Sort direction'),
  }),
  output: z.object({
    documents: z.array(documentSummary),
    total: z.number().describe('All matching documents, across pages'),
    limit: z.number(),
    offset: z.number(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  needs: readDocument,
  async run(args, { services, principal }) {
    const page = await services.documents.list({
      principal,
      collectionId: args.collection_id ?? undefined,
      documentType: args.document_type ?? undefined,
      limit: args.limit,
      offset: args.offset,
      sort: args.sort,
      order: args.order,
    });
    return { ...page, documents: page.documents.map(withDocMetadata) };
  },
});

const update = defineTool({
  name: 'update_document_tool',
  title: 'Update document',
  description:
    'Change a document: only the fields you pass change (omitted or null ones keep their values). Changed ' +
    'text is re-chunked and re-embedded. To clear the metadata pass doc_metadata: {}.',
  input: z
    .strictObject({
      document_id: documentIdArg,
      title: title.nullish().describe('New title'),
      content: content.nullish().describe('New full content, replacing the old'),
      document_type: documentType.nullish().describe('New document type'),
      doc_metadata: metadata
        .nullish()
        .describe(
          'New doc_metadata (JSON object, at most 64 KB), replacing the old entirely; front matter keys of ' +
            'the content stay under it',
        ),
      expected_updated_at: timestampArg
        .optional()
        .describe('The updated_at you last saw; refused with DOCUMENT_CHANGED if it changed since'),
    })
    .refine(
      (args) => [args.title, args.content, args.document_type, args.doc_metadata].some((v) => v != null),
      'pass at least one of title, content, document_type, doc_metadata',
    ),
  output: documentSummary.extend({ message: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  needs: writeDocument,
  async run(args, { services, principal }) {
    const { content: _content, ...document } = await services.documents.update({
      principal,
      documentId: args.document_id,
      title: args.title ?? undefined,
      content: args.content ?? undefined,
      documentType: args.document_type ?? undefined,
      metadata: args.doc_metadata ?? undefined,
      expectedUpdatedAt: args.expected_updated_at,
    });
    const message = `Document updated (${document.chunk_count} chunks, ${document.token_count} tokens)`;
    return { ...withDocMetadata(document), message };
  },
});

const move = defineTool({
  name: 'move_document_tool',
  title: 'Move document',
  description:
    'Move a document into another of your collections (nothing is re-embedded). Refused if the target ' +
    'already holds identical content.',
  input: z.strictObject({
    document_id: documentIdArg,
    target_collection_id: collectionIdArg.describe('Id of the collection to move the document into'),
  }),
  output: z.object({
    document_id: z.string(),
    title: z.string(),
    previous_collection_id: z.string(),
    new_collection_id: z.string(),
    collection_name: z.string().describe('Name of the collection the document is now in'),
    message: z.string(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  needs: moveDocument,
  async run(args, { services, principal }) {
    // Refused here as the listing says, whatever the service would make of a CAT's move.
    requireUserCredential(principal);
    const moved = await services.documents.move({
      principal,
      documentId: args.document_id,
      targetCollectionId: args.target_collection_id,
    });
    return {
      document_id: moved.document_id,
      title: moved.title,
      previous_collection_id: moved.previous_collection_id,
      new_collection_id: moved.collection_id,
      collection_name: moved.collection_name,
      message: `Moved document from collection ${moved.previous_collection_id} to ${moved.collection_id}`,
    };
  },
});

const remove = defineTool({
  name: 'delete_document_tool',
  title: 'Delete document',
  description: 'Delete a document and all its chunks permanently. This cannot be undone.',
  input: z.strictObject({ document_id: documentIdArg }),
  output: z.object({ success: z.literal(true), document_id: z.string(), message: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  needs: writeDocument,
  async run(args, { services, principal }) {
    const deleted = await services.documents.delete({ principal, documentId: args.document_id });
    return { success: true as const, ...deleted };
  },
});

export const documentTools: McpTool[] = [store, get, list, update, move, remove];
