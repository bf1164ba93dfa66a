import { and, asc, count, eq, ilike, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { isUuid } from '../../db/ids.js';
import { prepared } from '../../db/prepared.js';
import { users } from '../../db/schema.js';

export type UserRow = typeof users.$inferSelect;

/** Escapes LIKE wildcards so a search for "50%_off" matches those characters literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export const usersRepository = {
  async findById(db: Executor, id: string): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    const query = prepared(db, 'user_by_id', (on) =>
      on
        .select()
        .from(users)
        .where(eq(users.id, sql.placeholder('id')))
        .prepare('user_by_id'),
    );
    const [row] = await query.execute({ id });
    return row;
  },

  /** Login accepts a username or an email address, both compared ignoring case. */
  async findByLogin(db: Executor, login: string): Promise<UserRow | undefined> {
    const lowered = login.toLowerCase();
    const [row] = await db
      .select()
      .from(users)
      .where(or(sql`lower(${users.username}) = ${lowered}`, sql`lower(${users.email}) = ${lowered}`))
      .limit(1);
    return row;
  },

  async findConflicts(
    db: Executor,
    fields: { username?: string; email?: string },
    exceptId?: string,
  ): Promise<{ username: boolean; email: boolean }> {
    const conditions = [];
    if (fields.username) conditions.push(sql`lower(${users.username}) = ${fields.username.toLowerCase()}`);
    if (fields.email) conditions.push(sql`lower(${users.email}) = ${fields.email.toLowerCase()}`);
    if (conditions.length === 0) return { username: false, email: false };
    const rows = await db
      .select({ id: users.id, username: users.username, email: users.email })
      .from(users)
      .where(or(...conditions));
    const others = rows.filter((row) => row.id !== exceptId);
    return {
      username:
        !!fields.username && others.some((r) => r.username.toLowerCase() === fields.username?.toLowerCase()),
      email: !!fields.email && others.some((r) => r.email.toLowerCase() === fields.email?.toLowerCase()),
    };
  },

  async insert(
    db: Executor,
    values: { username: string; email: string; passwordHash: string; isSuperuser?: boolean },
  ): Promise<UserRow> {
    const [row] = await db.insert(users).values(values).returning();
    if (!row) throw new Error('insert into users returned no row');
    return row;
  },

  async update(
    db: Executor,
    id: string,
    values: Partial<Pick<UserRow, 'username' | 'email' | 'passwordHash' | 'isActive' | 'isSuperuser'>>,
  ): Promise<UserRow | undefined> {
    const [row] = await db
      .update(users)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(users.id, id))
      .returning();
    return row;
  },

  async delete(db: Executor, id: string): Promise<boolean> {
    const rows = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
    return rows.length > 0;
  },

  /** Stable paging: oldest first, ties broken by id. `query` matches username or email, case-insensitively. */
  async list(
    db: Executor,
    options: { limit: number; offset: number; query?: string },
  ): Promise<{ rows: UserRow[]; total: number }> {
    const pattern = options.query === undefined ? undefined : `%${escapeLike(options.query)}%`;
    const where = pattern ? or(ilike(users.username, pattern), ilike(users.email, pattern)) : undefined;
    const [rows, totals] = await Promise.all([
      db
        .select()
        .from(users)
        .where(where)
        .orderBy(asc(users.createdAt), asc(users.id))
        .limit(options.limit)
        .offset(options.offset),
      db.select({ total: count() }).from(users).where(where),
    ]);
    return { rows, total: totals[0]?.total ?? 0 };
  },

  async countSuperusers(db: Executor): Promise<number> {
    const [row] = await db
      .select({ total: count() })
      .from(users)
      .where(and(eq(users.isSuperuser, true), eq(users.isActive, true)));
    return row?.total ?? 0;
  },
};
