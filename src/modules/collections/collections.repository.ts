import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { isUuid } from '../../db/ids.js';
import { collectionAccessTokens, collections } from '../../db/schema.js';

export type CollectionRow = typeof collections.$inferSelect;
export type CollectionWithCounts = CollectionRow & { documentCount: number; catCount: number };

const withCounts = {
  id: collections.id,
  userId: collections.userId,
  name: collections.name,
  createdAt: collections.createdAt,
  updatedAt: collections.updatedAt,
  // Written out: in a single-table select drizzle renders `${table.column}` unqualified, which inside these
  // subqueries would compare the subquery table's own columns (and always count 0).
  documentCount: sql<number>`(select count(*)::int from documents d where d.collection_id = collections.id)`,
  catCount: sql<number>`(select count(*)::int from collection_access_tokens t where t.collection_id = collections.id)`,
};

export const collectionsRepository = {
  async insert(db: Executor, userId: string, name: string): Promise<CollectionRow> {
    const [row] = await db.insert(collections).values({ userId, name }).returning();
    if (!row) throw new Error('insert into collections returned no row');
    return row;
  },

  async findById(db: Executor, id: string): Promise<CollectionRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select().from(collections).where(eq(collections.id, id));
    return row;
  },

  /** Locks the row until the transaction ends, so token creation cannot race a delete. */
  async findByIdForUpdate(db: Executor, id: string): Promise<CollectionRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select().from(collections).where(eq(collections.id, id)).for('update');
    return row;
  },

  /**
   * Holds the row against deletion until the transaction ends (a KEY SHARE lock: renames still pass), so a
   * write into the collection cannot race its delete into a foreign-key error. Undefined: it is gone.
   */
  async lockAgainstDelete(db: Executor, id: string): Promise<CollectionRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select().from(collections).where(eq(collections.id, id)).for('key share');
    return row;
  },

  async findByName(db: Executor, userId: string, name: string): Promise<CollectionRow | undefined> {
    const [row] = await db
      .select()
      .from(collections)
      .where(and(eq(collections.userId, userId), sql`lower(${collections.name}) = ${name.toLowerCase()}`));
    return row;
  },

  async findWithCounts(db: Executor, id: string): Promise<CollectionWithCounts | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select(withCounts).from(collections).where(eq(collections.id, id));
    return row;
  },

  async idsOfOwner(db: Executor, userId: string): Promise<string[]> {
    const rows = await db
      .select({ id: collections.id })
      .from(collections)
      .where(eq(collections.userId, userId));
    return rows.map((row) => row.id);
  },

  /** A user's collections, by name (case-insensitive), with document and CAT counts. */
  async listForOwner(
    db: Executor,
    userId: string,
    page: { limit: number; offset: number },
  ): Promise<{ rows: CollectionWithCounts[]; total: number }> {
    const [rows, totals] = await Promise.all([
      db
        .select(withCounts)
        .from(collections)
        .where(eq(collections.userId, userId))
        .orderBy(sql`lower(${collections.name})`, asc(collections.id))
        .limit(page.limit)
        .offset(page.offset),
      db.select({ total: count() }).from(collections).where(eq(collections.userId, userId)),
    ]);
    return { rows, total: totals[0]?.total ?? 0 };
  },

  async rename(db: Executor, id: string, name: string): Promise<CollectionRow | undefined> {
    const [row] = await db
      .update(collections)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(collections.id, id))
      .returning();
    return row;
  },

  async delete(db: Executor, id: string): Promise<boolean> {
    const rows = await db.delete(collections).where(eq(collections.id, id)).returning({ id: collections.id });
    return rows.length > 0;
  },

  async countCats(db: Executor, id: string): Promise<number> {
    if (!isUuid(id)) return 0;
    const [row] = await db
      .select({ total: count() })
      .from(collectionAccessTokens)
      .where(eq(collectionAccessTokens.collectionId, id));
    return row?.total ?? 0;
  },
};
