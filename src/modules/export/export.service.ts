import { assertCanExportCollection, requireUserCredential } from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { isDocumentType } from '../../ingest/document-types.js';
import { collectionsRepository } from '../collections/collections.repository.js';
import { type ExportRow, exportRepository } from './export.repository.js';
import type { ExportCursor, ExportLine } from './export.schemas.js';

/** Documents read per query: a page of large documents is still bounded (20 × MAX_DOCUMENT_BYTES at worst). */
export const EXPORT_PAGE_SIZE = 20;

/** The path a document was imported from, as `ainstruct import` records it (or as a caller set `path`). */
export function recordedPath(metadata: Record<string, unknown>): string | null {
  const recorded = metadata.source_path ?? metadata.path;
  return typeof recorded === 'string' ? recorded : null;
}

function present(row: ExportRow): ExportLine {
  // Every stored type is one of the 22 (the schemas refuse others); markdown is the column's default.
  const documentType = isDocumentType(row.documentType) ? row.documentType : 'markdown';
  return {
    id: row.id,
    title: row.title,
    document_type: documentType,
    metadata: row.metadata,
    content: row.content,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    path: recordedPath(row.metadata),
  };
}

export function createExportService(ctx: Pick<AppContext, 'db'>) {
  const { db } = ctx;

  /** The collection, if the caller may export it (checked again for every page: a revoked token stops). */
  async function visible(principal: Principal, collectionId: string) {
    return assertCanExportCollection(principal, await collectionsRepository.findById(db, collectionId));
  }

  const service = {
    /** The caller's own collection of that name (ignoring case), for the command line. */
    async findByName(input: { principal: Principal; name: string }) {
      requireUserCredential(input.principal);
      const row = await collectionsRepository.findByName(db, input.principal.userId, input.name);
      if (!row) throw notFound('COLLECTION_NOT_FOUND', `No collection named "${input.name}"`);
      const collection = assertCanExportCollection(input.principal, row);
      return { collection_id: collection.id, name: collection.name };
    },

    /** One page of lines and the cursor of the next page (null after the last). */
    async page(input: {
      principal: Principal;
      collectionId: string;
      after?: ExportCursor | undefined;
      limit?: number;
    }): Promise<{ lines: ExportLine[]; next: ExportCursor | null }> {
      const collection = await visible(input.principal, input.collectionId);
      const limit = input.limit ?? EXPORT_PAGE_SIZE;
      const rows = await exportRepository.page(db, collection.id, input.after, limit);
      const last = rows.at(-1);
      return {
        lines: rows.map(present),
        next: last && rows.length === limit ? { created_at: last.createdAtText, id: last.id } : null,
      };
    },

    /**
     * Every line of a collection, page by page. The access check runs before this returns, so a transport can
     * answer 404 before it starts a stream.
     */
    async open(input: {
      principal: Principal;
      collectionId: string;
    }): Promise<{ name: string; lines: AsyncGenerator<ExportLine> }> {
      const collection = await visible(input.principal, input.collectionId);
      async function* lines(): AsyncGenerator<ExportLine> {
        let after: ExportCursor | undefined;
        for (;;) {
          const page = await service.page({ principal: input.principal, collectionId: collection.id, after });
          yield* page.lines;
          if (!page.next) return;
          after = page.next;
        }
      }
      return { name: collection.name, lines: lines() };
    },
  };
  return service;
}

export type ExportService = ReturnType<typeof createExportService>;
