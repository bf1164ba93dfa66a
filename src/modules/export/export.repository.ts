import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { documents } from '../../db/schema.js';
import type { ExportCursor } from './export.schemas.js';

export interface ExportRow {
  id: string;
  title: string;
  documentType: string;
  metadata: Record<string, unknown>;
  content: string;
  createdAt: Date;
  updatedAt: Date;
  /** created_at as PostgreSQL prints it: microseconds and offset, so it reads back as the same instant. */
  createdAtText: string;
}

export const exportRepository = {
  /**
   * One page of a collection's documents in (created_at, id) order, after `after`: keyset pagination on the
   * (collection_id, created_at) index, so an export never holds the collection in memory nor re-reads it.
   */
  async page(
    db: Executor,
    collectionId: string,
    after: ExportCursor | undefined,
    limit: number,
  ): Promise<ExportRow[]> {
    return db
      .select({
        id: documents.id,
        title: documents.title,
        documentType: documents.documentType,
        metadata: documents.metadata,
        content: documents.content,
        createdAt: documents.createdAt,
        updatedAt: documents.updatedAt,
        createdAtText: sql<string>`${documents.createdAt}::text`,
      })
      .from(documents)
      .where(
        and(
          eq(documents.collectionId, collectionId),
          after
            ? sql`(${documents.createdAt}, ${documents.id}) > (${after.created_at}::timestamptz, ${after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(asc(documents.createdAt), asc(documents.id))
      .limit(limit);
  },
};
