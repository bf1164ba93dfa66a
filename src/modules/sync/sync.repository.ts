import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { documents } from '../../db/schema.js';

const sourcePathOf = sql<string>`${documents.metadata}->>'source_path'`;
/** Only documents a sync manages: their metadata records a (string) source_path. */
const hasSourcePath = sql`jsonb_typeof(${documents.metadata}->'source_path') = 'string'`;

export const syncRepository = {
  /** One page of a collection's path-keyed documents in id order, after `after` (keyset, never offset). */
  async manifestPage(db: Executor, collectionId: string, after: string | undefined, limit: number) {
    return db
      .select({ id: documents.id, sourcePath: sourcePathOf, contentHash: documents.contentHash })
      .from(documents)
      .where(
        and(
          eq(documents.collectionId, collectionId),
          hasSourcePath,
          after === undefined ? undefined : gt(documents.id, after),
        ),
      )
      .orderBy(asc(documents.id))
      .limit(limit);
  },

  /** The documents recorded at a path, oldest first (more than one only if stored so outside sync). */
  async findByPath(db: Executor, collectionId: string, path: string, excluding?: string) {
    return db
      .select({ id: documents.id, contentHash: documents.contentHash })
      .from(documents)
      .where(
        and(
          eq(documents.collectionId, collectionId),
          sql`${sourcePathOf} = ${path}`,
          excluding === undefined ? undefined : ne(documents.id, excluding),
        ),
      )
      .orderBy(asc(documents.createdAt), asc(documents.id));
  },
};
