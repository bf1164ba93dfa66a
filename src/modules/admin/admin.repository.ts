import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { isUuid } from '../../db/ids.js';

export interface UserCounts {
  collection_count: number;
  document_count: number;
  pat_active_count: number;
  pat_inactive_count: number;
  cat_active_count: number;
  cat_inactive_count: number;
}

export const adminRepository = {
  /** Everything a user owns, counted in one round trip. Active means unexpired. */
  async userCounts(db: Executor, userId: string): Promise<UserCounts> {
    const zero: UserCounts = {
      collection_count: 0,
      document_count: 0,
      pat_active_count: 0,
      pat_inactive_count: 0,
      cat_active_count: 0,
      cat_inactive_count: 0,
    };
    if (!isUuid(userId)) return zero;
    const [row] = await queryRows<UserCounts>(
      db,
      sql`select
        (select count(*)::int from collections c where c.user_id = ${userId}) as collection_count,
        (select count(*)::int from documents d join collections c on c.id = d.collection_id
          where c.user_id = ${userId}) as document_count,
        (select count(*)::int from personal_access_tokens p where p.user_id = ${userId}
          and (p.expires_at is null or p.expires_at > now())) as pat_active_count,
        (select count(*)::int from personal_access_tokens p where p.user_id = ${userId}
          and p.expires_at <= now()) as pat_inactive_count,
        (select count(*)::int from collection_access_tokens t join collections c on c.id = t.collection_id
          where c.user_id = ${userId} and (t.expires_at is null or t.expires_at > now())) as cat_active_count,
        (select count(*)::int from collection_access_tokens t join collections c on c.id = t.collection_id
          where c.user_id = ${userId} and t.expires_at <= now()) as cat_inactive_count`,
    );
    return row ?? zero;
  },

  /** Ends every login session of a user (their refresh tokens and the access tokens issued from them). */
  async revokeSessions(db: Executor, userId: string, reason: string): Promise<void> {
    await db.execute(
      sql`update auth_sessions set revoked_at = now(), revoked_reason = ${reason}
          where user_id = ${userId} and revoked_at is null`,
    );
  },
};
