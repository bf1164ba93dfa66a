import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { isUuid } from '../../db/ids.js';
import { prepared } from '../../db/prepared.js';
import { authSessions, refreshTokens } from '../../db/schema.js';

export type SessionRow = typeof authSessions.$inferSelect;

export const sessionsRepository = {
  async create(db: Executor, userId: string, expiresAt: Date): Promise<SessionRow> {
    const [row] = await db.insert(authSessions).values({ userId, expiresAt }).returning();
    if (!row) throw new Error('insert into auth_sessions returned no row');
    return row;
  },

  async findById(db: Executor, id: string): Promise<SessionRow | undefined> {
    if (!isUuid(id)) return undefined;
    const query = prepared(db, 'session_by_id', (on) =>
      on
        .select()
        .from(authSessions)
        .where(eq(authSessions.id, sql.placeholder('id')))
        .prepare('session_by_id'),
    );
    const [row] = await query.execute({ id });
    return row;
  },

  async revoke(db: Executor, id: string, reason: string): Promise<void> {
    await db
      .update(authSessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(eq(authSessions.id, id), isNull(authSessions.revokedAt)));
  },

  async addRefreshToken(db: Executor, sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await db.insert(refreshTokens).values({ sessionId, tokenHash, expiresAt });
  },

  async findRefreshToken(db: Executor, tokenHash: string) {
    const [row] = await db
      .select({ token: refreshTokens, session: authSessions })
      .from(refreshTokens)
      .innerJoin(authSessions, eq(authSessions.id, refreshTokens.sessionId))
      .where(eq(refreshTokens.tokenHash, tokenHash));
    return row;
  },

  /** Marks a refresh token used; false when another request already used it (a race or a replay). */
  async markRefreshTokenUsed(db: Executor, id: string): Promise<boolean> {
    const rows = await db
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
      .returning({ id: refreshTokens.id });
    return rows.length > 0;
  },

  /** Drops sessions that can no longer be used, so the tables do not grow without bound. */
  async deleteExpired(db: Executor): Promise<void> {
    await db.delete(authSessions).where(sql`${authSessions.expiresAt} < now() - interval '1 day'`);
  },
};
