import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../db/client.js';

/**
 * What Qdrant must catch up with, written in the same transaction as the change itself: `d:<document id>` (make
 * Qdrant hold exactly this document's current chunks, none if it is gone), `c:<collection id>` (drop everything
 * of a deleted collection) or `sweep` (rebuild from PostgreSQL). Entries are idempotent: applying one reads the
 * current state, so order between targets and duplicates do not matter.
 */
export interface OutboxEntry {
  id: number;
  target: string;
  attempts: number;
}

export interface OutboxStats {
  pending: number;
  oldestSeconds: number;
  /** Entries that failed at least once and wait for a retry. */
  failing: number;
}

export const documentTarget = (id: string) => `d:${id}`;
export const collectionTarget = (id: string) => `c:${id}`;
export const SWEEP_TARGET = 'sweep';

/** The longest wait between two attempts at an entry that keeps failing. */
const MAX_BACKOFF_SECONDS = 60;

export const outboxRepository = {
  async enqueue(tx: Executor, targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    await tx.execute(
      sql`insert into vector_outbox (target) select unnest(${`{${targets.join(',')}}`}::text[])`,
    );
  },

  /**
   * Claims up to `limit` targets for `worker` for `leaseSeconds`, with every entry of each. A target another
   * worker holds is skipped whole, so two instances never apply the same document concurrently (a slow worker
   * writing an older state after a faster one wrote the newer). Claims are serialised by an advisory lock; the
   * lease lets a killed worker's targets be taken over once it expires.
   */
  async claim(
    db: Executor,
    worker: string,
    options: { limit: number; leaseSeconds: number; targets?: string[] },
  ): Promise<OutboxEntry[]> {
    const only = options.targets ? sql`and target = any(${`{${options.targets.join(',')}}`}::text[])` : sql``;
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('ainstruct vector outbox'))`);
      return queryRows<OutboxEntry>(
        tx,
        sql`with held as (select distinct target from vector_outbox where claimed_until > now()),
            picked as (
              select target, min(id) as first from vector_outbox
              where available_at <= now() and target not in (select target from held) ${only}
              group by target order by first limit ${options.limit})
            update vector_outbox set claimed_by = ${worker},
                   claimed_until = now() + make_interval(secs => ${options.leaseSeconds})
            where target in (select target from picked)
            returning id::int as id, target, attempts`,
      );
    });
  },

  /** Applied: the entries go. */
  async complete(db: Executor, ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await db.execute(sql`delete from vector_outbox where id = any(${`{${ids.join(',')}}`}::bigint[])`);
  },

  /** Not applied: released for a later attempt, backing off exponentially, with the reason kept. */
  async release(db: Executor, ids: number[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await db.execute(
      sql`update vector_outbox set attempts = attempts + 1, last_error = ${error.slice(0, 1000)},
            claimed_by = null, claimed_until = null,
            available_at = now() + make_interval(secs => least(${MAX_BACKOFF_SECONDS}, 0.5 * power(2, attempts)))
          where id = any(${`{${ids.join(',')}}`}::bigint[])`,
    );
  },

  async stats(db: Executor): Promise<OutboxStats> {
    const [row] = await queryRows<{ pending: number; oldest: number | null; failing: number }>(
      db,
      sql`select count(*)::int as pending,
                 extract(epoch from now() - min(created_at))::float8 as oldest,
                 (count(*) filter (where attempts > 0))::int as failing
          from vector_outbox`,
    );
    return {
      pending: row?.pending ?? 0,
      oldestSeconds: Math.max(0, row?.oldest ?? 0),
      failing: row?.failing ?? 0,
    };
  },

  /**
   * The ids of the entries committed so far: those a rebuild starting now covers. Not "every id up to the
   * newest": ids are taken when a write inserts its entry, so a lower id may still commit after a higher one.
   */
  async committedIds(db: Executor): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(db, sql`select id::int as id from vector_outbox`);
    return rows.map((row) => row.id);
  },

  async hasPending(db: Executor, target: string): Promise<boolean> {
    const rows = await queryRows<{ one: number }>(
      db,
      sql`select 1 as one from vector_outbox where target = ${target} limit 1`,
    );
    return rows.length > 0;
  },
};
