import type { DocumentRow, DocumentWithCollection } from './documents.repository.js';

type Summary = Omit<DocumentRow, 'content'> & Partial<Pick<DocumentRow, 'content'>>;

/** A document without its content, as listed and as returned by store. */
export function presentSummary(row: Summary, collectionName: string) {
  return {
    document_id: row.id,
    title: row.title,
    collection_id: row.collectionId,
    collection_name: collectionName,
    content_hash: row.contentHash,
    document_type: row.documentType,
    metadata: row.metadata,
    chunk_count: row.chunkCount,
    token_count: row.tokenCount,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentDocument(row: DocumentWithCollection) {
  return { ...presentSummary(row, row.collectionName), content: row.content };
}

export type DocumentSummaryView = ReturnType<typeof presentSummary>;
export type DocumentView = ReturnType<typeof presentDocument>;
