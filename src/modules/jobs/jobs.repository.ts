import { and, count, desc, eq, getTableColumns, lt, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { CollectionScope } from '../../auth/access.js';
import type { Executor } from '../../db/client.js';
import { isUuid } from '../../db/ids.js';
import { jobs } from '../../db/schema.js';

export type JobRow = typeof jobs.$inferSelect;
/** A job as shown to its owner: everything but the (possibly megabytes of) input. */
export type JobSummaryRow = Omit<JobRow, 'input'>;
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';
export interface JobError {
  code: string;
  message: string;
}

const { input: _input, ...summaryColumns } = getTableColumns(jobs);
const leaseUntil = (seconds: number) => sql`now() + make_interval(secs => ${seconds})`;
/** The job is still this runner's to work on. */
const heldBy = (id: string, owner: string) =>
  and(eq(jobs.id, id), eq(jobs.leaseOwner, owner), eq(jobs.state, 'running'));

/**
 * Ends a job this runner still holds: its outcome, the input dropped, the lease released. False (nothing
 * changed) when the job is no longer this runner's or already finished.
 */
async function finish(
  db: Executor,
  id: string,
  owner: string,
  outcome: PgUpdateSetSource<typeof jobs> & { state: 'succeeded' | 'failed' },
): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      ...outcome,
      input: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: sql`now()`,
      finishedAt: sql`now()`,
    })
    .where(heldBy(id, owner))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

export const jobsRepository = {
  async insert(
    db: Executor,
    values: { kind: string; userId: string; collectionId: string; input: Record<string, unknown> },
  ): Promise<JobSummaryRow> {
    const [row] = await db.insert(jobs).values(values).returning(summaryColumns);
    if (!row) throw new Error('insert into jobs returned nothing');
    return row;
  },

  async findById(db: Executor, id: string): Promise<JobSummaryRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await db.select(summaryColumns).from(jobs).where(eq(jobs.id, id));
    return row;
  },

  /** Newest first. */
  async list(
    db: Executor,
    options: { userId: string; scope: CollectionScope; limit: number; offset: number },
  ): Promise<{ rows: JobSummaryRow[]; total: number }> {
    const where = and(
      eq(jobs.userId, options.userId),
      options.scope.kind === 'collection' ? eq(jobs.collectionId, options.scope.collectionId) : undefined,
    );
    const rows = await db
      .select(summaryColumns)
      .from(jobs)
      .where(where)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(options.limit)
      .offset(options.offset);
    const [total] = await db.select({ n: count() }).from(jobs).where(where);
    return { rows, total: total?.n ?? 0 };
  },

  /**
   * Takes the oldest job that is queued, or running under a lease that has expired (its runner died), for
   * `owner` until the lease runs out. SKIP LOCKED: runners claiming at the same moment take different jobs.
   */
  async claim(db: Executor, owner: string, leaseSeconds: number): Promise<JobRow | undefined> {
    const [row] = await db
      .update(jobs)
      .set({
        state: 'running',
        leaseOwner: owner,
        leaseExpiresAt: leaseUntil(leaseSeconds),
        attempts: sql`${jobs.attempts} + 1`,
        updatedAt: sql`now()`,
      })
      .where(
        sql`${jobs.id} = (select id from jobs
              where state in ('queued', 'running') and (state = 'queued' or lease_expires_at < now())
              order by created_at, id limit 1 for update skip locked)`,
      )
      .returning();
    return row;
  },

  /** Extends the lease and records progress; false when the job is no longer this runner's. */
  async renew(
    db: Executor,
    id: string,
    owner: string,
    leaseSeconds: number,
    progress: { phase: string; done: number; total: number },
  ): Promise<boolean> {
    const rows = await db
      .update(jobs)
      .set({
        leaseExpiresAt: leaseUntil(leaseSeconds),
        phase: progress.phase,
        progressDone: progress.done,
        progressTotal: progress.total,
        updatedAt: sql`now()`,
      })
      .where(heldBy(id, owner))
      .returning({ id: jobs.id });
    return rows.length > 0;
  },

  /**
   * Marks the job succeeded with its result and lets go of its input. Meant to run in the transaction of the
   * work itself; false (nothing changed) when the job is no longer this runner's or already finished.
   */
  async succeed(db: Executor, id: string, owner: string, result: Record<string, unknown>): Promise<boolean> {
    return finish(db, id, owner, {
      state: 'succeeded',
      result,
      phase: 'done',
      progressDone: sql`${jobs.progressTotal}`,
    });
  },

  async fail(db: Executor, id: string, owner: string, error: JobError): Promise<boolean> {
    return finish(db, id, owner, { state: 'failed', error });
  },

  /**
   * Gives a job back to the queue (this instance is shutting down), without counting the attempt, so the
   * next runner takes it at once instead of waiting for the lease to expire.
   */
  async release(db: Executor, id: string, owner: string): Promise<void> {
    await db
      .update(jobs)
      .set({
        state: 'queued',
        phase: 'queued',
        progressDone: 0,
        progressTotal: 0,
        attempts: sql`greatest(${jobs.attempts} - 1, 0)`,
        leaseOwner: null,
        leaseExpiresAt: null,
        updatedAt: sql`now()`,
      })
      .where(heldBy(id, owner));
  },

  /** Forgets finished jobs older than `days`. */
  async pruneFinished(db: Executor, days: number): Promise<number> {
    const rows = await db
      .delete(jobs)
      .where(
        and(
          sql`${jobs.state} in ('succeeded', 'failed')`,
          lt(jobs.finishedAt, sql`now() - make_interval(days => ${days})`),
        ),
      )
      .returning({ id: jobs.id });
    return rows.length;
  },
};
