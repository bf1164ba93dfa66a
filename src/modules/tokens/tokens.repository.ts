import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { isUuid } from '../../db/ids.js';
import { prepared } from '../../db/prepared.js';
import { collectionAccessTokens, collections, personalAccessTokens, users } from '../../db/schema.js';

export type PatRow = typeof personalAccessTokens.$inferSelect;
export type CatRow = typeof collectionAccessTokens.$inferSelect;
export type CatWithCollection = CatRow & { collectionName: string };

const catColumns = {
  id: collectionAccessTokens.id,
  collectionId: collectionAccessTokens.collectionId,
  userId: collectionAccessTokens.userId,
  label: collectionAccessTokens.label,
  keyHash: collectionAccessTokens.keyHash,
  permission: collectionAccessTokens.permission,
  expiresAt: collectionAccessTokens.expiresAt,
  lastUsed: collectionAccessTokens.lastUsed,
  createdAt: collectionAccessTokens.createdAt,
  collectionName: collections.name,
};

export const tokensRepository = {
  async insertPat(
    db: Executor,
    values: { userId: string; label: string; tokenHash: string; scopes: string[]; expiresAt: Date },
  ): Promise<PatRow> {
    const [row] = await db.insert(personalAccessTokens).values(values).returning();
    if (!row) throw new Error('insert into personal_access_tokens returned no row');
    return row;
  },

  async listPats(db: Executor, userId: string): Promise<PatRow[]> {
    return db
      .select()
      .from(personalAccessTokens)
      .where(eq(personalAccessTokens.userId, userId))
      .orderBy(desc(personalAccessTokens.createdAt), desc(personalAccessTokens.id));
  },

  async findPat(db: Executor, id: string, userId: string): Promise<PatRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db
      .select()
      .from(personalAccessTokens)
      .where(and(eq(personalAccessTokens.id, id), eq(personalAccessTokens.userId, userId)));
    return row;
  },

  async updatePat(
    db: Executor,
    id: string,
    userId: string,
    values: { tokenHash: string; expiresAt: Date; label?: string },
  ): Promise<PatRow | undefined> {
    const [row] = await db
      .update(personalAccessTokens)
      .set(values)
      .where(and(eq(personalAccessTokens.id, id), eq(personalAccessTokens.userId, userId)))
      .returning();
    return row;
  },

  async deletePat(db: Executor, id: string, userId: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await db
      .delete(personalAccessTokens)
      .where(and(eq(personalAccessTokens.id, id), eq(personalAccessTokens.userId, userId)))
      .returning({ id: personalAccessTokens.id });
    return rows.length > 0;
  },

  /** The PAT with its owner, for authentication. */
  async findPatByHash(db: Executor, tokenHash: string) {
    const query = prepared(db, 'pat_by_hash', (on) =>
      on
        .select({ token: personalAccessTokens, user: users })
        .from(personalAccessTokens)
        .innerJoin(users, eq(users.id, personalAccessTokens.userId))
        .where(eq(personalAccessTokens.tokenHash, sql.placeholder('hash')))
        .prepare('pat_by_hash'),
    );
    const [row] = await query.execute({ hash: tokenHash });
    return row;
  },

  async insertCat(
    db: Executor,
    values: {
      collectionId: string;
      userId: string;
      label: string;
      keyHash: string;
      permission: 'read' | 'read_write';
      expiresAt: Date;
    },
  ): Promise<CatRow> {
    const [row] = await db.insert(collectionAccessTokens).values(values).returning();
    if (!row) throw new Error('insert into collection_access_tokens returned no row');
    return row;
  },

  /** CATs on collections owned by `ownerId`, newest first, optionally for one collection. */
  async listCats(db: Executor, ownerId: string, collectionId?: string): Promise<CatWithCollection[]> {
    return db
      .select(catColumns)
      .from(collectionAccessTokens)
      .innerJoin(collections, eq(collections.id, collectionAccessTokens.collectionId))
      .where(
        and(
          eq(collections.userId, ownerId),
          collectionId === undefined ? undefined : eq(collectionAccessTokens.collectionId, collectionId),
        ),
      )
      .orderBy(desc(collectionAccessTokens.createdAt), desc(collectionAccessTokens.id));
  },

  /** A CAT on a collection owned by `ownerId`; undefined for anyone else's. */
  async findCat(db: Executor, id: string, ownerId: string): Promise<CatWithCollection | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db
      .select(catColumns)
      .from(collectionAccessTokens)
      .innerJoin(collections, eq(collections.id, collectionAccessTokens.collectionId))
      .where(and(eq(collectionAccessTokens.id, id), eq(collections.userId, ownerId)));
    return row;
  },

  async updateCat(
    db: Executor,
    id: string,
    values: { keyHash: string; expiresAt: Date; label?: string },
  ): Promise<CatRow | undefined> {
    const [row] = await db
      .update(collectionAccessTokens)
      .set(values)
      .where(eq(collectionAccessTokens.id, id))
      .returning();
    return row;
  },

  async deleteCat(db: Executor, id: string): Promise<boolean> {
    const rows = await db
      .delete(collectionAccessTokens)
      .where(eq(collectionAccessTokens.id, id))
      .returning({ id: collectionAccessTokens.id });
    return rows.length > 0;
  },

  /** The CAT with its collection and the collection's owner, for authentication. */
  async findCatByHash(db: Executor, keyHash: string) {
    const query = prepared(db, 'cat_by_hash', (on) =>
      on
        .select({ token: collectionAccessTokens, collection: collections, owner: users })
        .from(collectionAccessTokens)
        .innerJoin(collections, eq(collections.id, collectionAccessTokens.collectionId))
        .innerJoin(users, eq(users.id, collections.userId))
        .where(eq(collectionAccessTokens.keyHash, sql.placeholder('hash')))
        .prepare('cat_by_hash'),
    );
    const [row] = await query.execute({ hash: keyHash });
    return row;
  },

  /** Writes batched last-used times; never moves a time backwards. */
  async touchLastUsed(db: Executor, kind: 'pat' | 'cat', entries: { id: string; at: Date }[]): Promise<void> {
    const table = kind === 'pat' ? personalAccessTokens : collectionAccessTokens;
    for (const entry of entries) {
      const at = entry.at.toISOString();
      await db
        .update(table)
        .set({ lastUsed: sql`greatest(coalesce(${table.lastUsed}, ${at}::timestamptz), ${at}::timestamptz)` })
        .where(inArray(table.id, [entry.id]));
    }
  },
};
