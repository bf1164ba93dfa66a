import { type SQL, sql } from 'drizzle-orm';

/** Narrowing applied to both legs of a search, always inside the caller's visible collections. */
export interface SearchFilter {
  collectionIds: string[];
  documentTypes?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  updatedAfter?: string | undefined;
  updatedBefore?: string | undefined;
}

export interface ChunkHit {
  id: string;
  score: number;
}

export const uuidArray = (ids: string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;

/** A text[] of any strings (lexemes can hold commas, quotes and braces): each element quoted and escaped. */
export const textArray = (values: readonly string[]) =>
  sql`${`{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`}::text[]`;

/** Conditions on the document (alias `d`) beyond its collection; undefined when there are none. */
export function documentFilterSql(filter: SearchFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (filter.documentTypes?.length) {
    parts.push(sql`d.document_type = any(${`{${filter.documentTypes.join(',')}}`}::text[])`);
  }
  if (filter.metadata && Object.keys(filter.metadata).length > 0) {
    parts.push(sql`d.metadata @> ${JSON.stringify(filter.metadata)}::jsonb`);
  }
  if (filter.createdAfter) parts.push(sql`d.created_at >= ${filter.createdAfter}::timestamptz`);
  if (filter.createdBefore) parts.push(sql`d.created_at < ${filter.createdBefore}::timestamptz`);
  if (filter.updatedAfter) parts.push(sql`d.updated_at >= ${filter.updatedAfter}::timestamptz`);
  if (filter.updatedBefore) parts.push(sql`d.updated_at < ${filter.updatedBefore}::timestamptz`);
  return parts.length > 0 ? sql.join(parts, sql` and `) : undefined;
}

/** The whole filter over chunks `c` joined to their documents `d`. */
export function filterSql(filter: SearchFilter): SQL {
  const inCollections = sql`c.collection_id = any(${uuidArray(filter.collectionIds)})`;
  const onDocument = documentFilterSql(filter);
  return onDocument ? sql`${inCollections} and ${onDocument}` : inCollections;
}
