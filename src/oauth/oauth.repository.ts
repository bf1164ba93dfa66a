import { and, count, desc, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { collections, oauthGrants, oauthStore, users } from '../db/schema.js';

export type OAuthGrantRow = typeof oauthGrants.$inferSelect;
export type OAuthGrantListed = OAuthGrantRow & { collectionName: string | null };

export interface StoredModel {
  payload: Record<string, unknown>;
  expiresAt: Date | null;
}

/** The rows behind oidc-provider's adapter and the grants people gave OAuth clients. */
export const oauthRepository = {
  async upsertModel(
    db: Executor,
    values: {
      kind: string;
      id: string;
      payload: Record<string, unknown>;
      grantId: string | null;
      uid: string | null;
      userCode: string | null;
      expiresAt: Date | null;
    },
  ): Promise<void> {
    await db
      .insert(oauthStore)
      .values(values)
      .onConflictDoUpdate({
        target: [oauthStore.kind, oauthStore.id],
        set: {
          payload: values.payload,
          grantId: values.grantId,
          uid: values.uid,
          userCode: values.userCode,
          expiresAt: values.expiresAt,
        },
      });
  },

  async findModel(
    db: Executor,
    kind: string,
    where: { id: string } | { uid: string } | { userCode: string },
  ): Promise<StoredModel | undefined> {
    const key =
      'id' in where
        ? eq(oauthStore.id, where.id)
        : 'uid' in where
          ? eq(oauthStore.uid, where.uid)
          : eq(oauthStore.userCode, where.userCode);
    const [row] = await db
      .select({
        payload: oauthStore.payload,
        expiresAt: oauthStore.expiresAt,
        consumedAt: oauthStore.consumedAt,
      })
      .from(oauthStore)
      .where(and(eq(oauthStore.kind, kind), key))
      .limit(1);
    if (!row) return undefined;
    const payload = row.consumedAt
      ? { ...row.payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) }
      : row.payload;
    return { payload, expiresAt: row.expiresAt };
  },

  async destroyModel(db: Executor, kind: string, id: string): Promise<void> {
    await db.delete(oauthStore).where(and(eq(oauthStore.kind, kind), eq(oauthStore.id, id)));
  },

  async consumeModel(db: Executor, kind: string, id: string): Promise<void> {
    await db
      .update(oauthStore)
      .set({ consumedAt: new Date() })
      .where(and(eq(oauthStore.kind, kind), eq(oauthStore.id, id)));
  },

  /** Every model of the grant, of every kind (tokens, codes, the grant itself). */
  async destroyByGrantId(db: Executor, grantId: string): Promise<void> {
    await db.delete(oauthStore).where(eq(oauthStore.grantId, grantId));
    await db.delete(oauthStore).where(and(eq(oauthStore.kind, 'Grant'), eq(oauthStore.id, grantId)));
  },

  /**
   * Expired models, and models of grants that no longer exist (their user or collection was deleted). A Grant
   * model is saved a moment before its row: only those older than ten minutes count as orphaned.
   */
  async sweep(db: Executor, now: Date): Promise<void> {
    await db.delete(oauthStore).where(and(isNotNull(oauthStore.expiresAt), lt(oauthStore.expiresAt, now)));
    await db
      .delete(oauthStore)
      .where(
        and(
          isNotNull(oauthStore.grantId),
          sql`not exists (select 1 from ${oauthGrants} where ${oauthGrants.id} = ${oauthStore.grantId})`,
        ),
      );
    const settled = Math.floor(now.getTime() / 1000) - 600;
    await db
      .delete(oauthStore)
      .where(
        and(
          eq(oauthStore.kind, 'Grant'),
          sql`(${oauthStore.payload}->>'iat')::bigint < ${settled}`,
          sql`not exists (select 1 from ${oauthGrants} where ${oauthGrants.id} = ${oauthStore.id})`,
        ),
      );
  },

  async insertGrant(
    db: Executor,
    values: {
      id: string;
      userId: string;
      collectionId: string | null;
      clientId: string;
      clientName: string | null;
      clientHost: string;
      access: 'read' | 'read_write';
    },
  ): Promise<void> {
    await db
      .insert(oauthGrants)
      .values(values)
      .onConflictDoUpdate({
        target: oauthGrants.id,
        set: { collectionId: values.collectionId, access: values.access, clientName: values.clientName },
      });
  },

  /** The grant with its user, when both still exist and the user is active: the check of every token use. */
  async findLiveGrant(
    db: Executor,
    id: string,
  ): Promise<
    { grant: OAuthGrantRow; user: { id: string; username: string; isSuperuser: boolean } } | undefined
  > {
    const [row] = await db
      .select({
        grant: oauthGrants,
        user: { id: users.id, username: users.username, isSuperuser: users.isSuperuser },
      })
      .from(oauthGrants)
      .innerJoin(users, eq(users.id, oauthGrants.userId))
      .where(and(eq(oauthGrants.id, id), eq(users.isActive, true)))
      .limit(1);
    return row;
  },

  async findGrantOfUser(db: Executor, userId: string, clientId: string): Promise<OAuthGrantRow | undefined> {
    const [row] = await db
      .select()
      .from(oauthGrants)
      .where(and(eq(oauthGrants.userId, userId), eq(oauthGrants.clientId, clientId)))
      .orderBy(desc(oauthGrants.createdAt))
      .limit(1);
    return row;
  },

  async listGrants(
    db: Executor,
    userId: string,
    page: { limit: number; offset: number },
  ): Promise<{ rows: OAuthGrantListed[]; total: number }> {
    const rows = await db
      .select({
        id: oauthGrants.id,
        userId: oauthGrants.userId,
        collectionId: oauthGrants.collectionId,
        clientId: oauthGrants.clientId,
        clientName: oauthGrants.clientName,
        clientHost: oauthGrants.clientHost,
        access: oauthGrants.access,
        createdAt: oauthGrants.createdAt,
        lastUsed: oauthGrants.lastUsed,
        collectionName: collections.name,
      })
      .from(oauthGrants)
      .leftJoin(collections, eq(collections.id, oauthGrants.collectionId))
      .where(eq(oauthGrants.userId, userId))
      .orderBy(desc(oauthGrants.createdAt), desc(oauthGrants.id))
      .limit(page.limit)
      .offset(page.offset);
    const [totals] = await db
      .select({ total: count() })
      .from(oauthGrants)
      .where(eq(oauthGrants.userId, userId));
    return { rows, total: totals?.total ?? 0 };
  },

  /** Deletes the grant row and every model issued under it; true when the row was the user's. */
  async deleteGrant(db: Executor, id: string, userId?: string): Promise<boolean> {
    const where = userId
      ? and(eq(oauthGrants.id, id), eq(oauthGrants.userId, userId))
      : eq(oauthGrants.id, id);
    const deleted = await db.delete(oauthGrants).where(where).returning({ id: oauthGrants.id });
    if (deleted.length === 0) return false;
    await oauthRepository.destroyByGrantId(db, id);
    return true;
  },

  async touchLastUsed(db: Executor, entries: { id: string; at: Date }[]): Promise<void> {
    for (const entry of entries) {
      const at = entry.at.toISOString();
      await db
        .update(oauthGrants)
        .set({
          lastUsed: sql`greatest(coalesce(${oauthGrants.lastUsed}, ${at}::timestamptz), ${at}::timestamptz)`,
        })
        .where(inArray(oauthGrants.id, [entry.id]));
    }
  },
};
