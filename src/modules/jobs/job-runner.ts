import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Executor } from '../../db/client.js';
import { AppError } from '../../errors.js';
import { type JobError, type JobRow, jobsRepository } from './jobs.repository.js';

/** Idle polling starts at this interval and doubles up to the next while no job turns up. */
const IDLE_MIN_MS = 250;
const IDLE_MAX_MS = 5000;
/** How often a running job's progress is written (and its lease renewed, at least every third of it). */
const HEARTBEAT_MS = 1000;
/**
 * A job claimed this many times never finished: each runner that took it died (a document that crashes the
 * process, say). It is failed instead of taking the next instance down too.
 */
const MAX_ATTEMPTS = 3;
/** On shutdown, running jobs get this long to end after their leases were given back. */
const STOP_GRACE_MS = 2000;
const PRUNE_EVERY_MS = 3_600_000;
const KEEP_FINISHED_DAYS = 7;

export class LeaseLostError extends Error {
  constructor() {
    super('the job is no longer held by this runner');
    this.name = 'LeaseLostError';
  }
}

/** What a job's handler gets to report with and to finish in. */
export interface JobWork {
  /** Aborted when the job stopped being this runner's (lease lost, shutdown): its outcome will be discarded. */
  signal: AbortSignal;
  progress(phase: string, done?: number, total?: number): void;
  /**
   * Marks the job succeeded inside `tx`, the transaction of the work itself, so both commit or neither does.
   * Throws LeaseLostError (rolling the work back) if another runner owns the job now.
   */
  completeIn(tx: Executor, result: Record<string, unknown>): Promise<void>;
}

/** Does the job's work and returns its result (the job succeeds with it, unless completeIn already did). */
export type JobHandler = (job: JobRow, work: JobWork) => Promise<Record<string, unknown>>;

/**
 * Runs the jobs of the `jobs` table: every instance has one, and any of them may take any job. A job is
 * claimed with a lease that is renewed while it runs; a killed instance's jobs are taken over once their
 * lease expires. A job only succeeds through its runner still holding it, in the same transaction as its
 * work, so a job whose runner lost it cannot finish twice. Polls with a backoff while idle; `notify()` wakes
 * it at once when this process queued something.
 */
export class JobRunner {
  readonly workerId = `jobs-${randomUUID()}`;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private wake = false;
  private idleMs = IDLE_MIN_MS;
  private lastPrune = 0;

  constructor(
    private readonly deps: {
      db: Database;
      handler: JobHandler;
      concurrency: number;
      leaseSeconds: number;
      log: FastifyBaseLogger;
    },
  ) {}

  start(): void {
    if (!this.stopped || this.deps.concurrency === 0) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** A job was queued: look now instead of at the next poll. */
  notify(): void {
    if (this.stopped) return;
    this.idleMs = IDLE_MIN_MS;
    if (this.polling) this.wake = true;
    else this.schedule(0);
  }

  /**
   * Stops claiming and gives running jobs back to the queue (state queued, lease cleared, the attempt not
   * counted), so another instance, or this one restarted, takes them at once. Their work here is abandoned:
   * whatever it still does cannot finish the job, which is no longer held.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    const running = [...this.running.entries()];
    for (const [, job] of running) job.abort.abort(new LeaseLostError());
    await Promise.all(
      running.map(([id]) =>
        jobsRepository
          .release(this.deps.db, id, this.workerId)
          .catch((error: unknown) =>
            this.deps.log.warn({ err: error, jobId: id }, 'could not give a job back; its lease will expire'),
          ),
      ),
    );
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(running.map(([, job]) => job.done)),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, STOP_GRACE_MS);
      }),
    ]);
    clearTimeout(timeout);
  }

  /** Jobs this runner is working on now. */
  get active(): number {
    return this.running.size;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        if (this.wake) {
          this.wake = false;
          this.schedule(0);
        } else if (this.running.size < this.deps.concurrency) {
          this.schedule(this.idleMs);
        }
        // At capacity: a finishing job schedules the next look.
      });
    }, delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      let claimed = false;
      while (!this.stopped && this.running.size < this.deps.concurrency) {
        const job = await jobsRepository.claim(this.deps.db, this.workerId, this.deps.leaseSeconds);
        if (!job) break;
        claimed = true;
        this.launch(job);
      }
      this.idleMs = claimed ? IDLE_MIN_MS : Math.min(this.idleMs * 2, IDLE_MAX_MS);
      if (!claimed && Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = Date.now();
        await jobsRepository.pruneFinished(this.deps.db, KEEP_FINISHED_DAYS);
      }
    } catch (error) {
      this.idleMs = IDLE_MAX_MS;
      this.deps.log.warn({ err: error }, 'looking for background jobs failed; retrying later');
    }
  }

  private launch(job: JobRow): void {
    const abort = new AbortController();
    const done = this.execute(job, abort).finally(() => {
      this.running.delete(job.id);
      if (!this.stopped && !this.polling) this.schedule(0);
    });
    this.running.set(job.id, { abort, done });
  }

  private async execute(job: JobRow, abort: AbortController): Promise<void> {
    const { db, leaseSeconds, log } = this.deps;
    const owner = this.workerId;
    if (job.attempts > MAX_ATTEMPTS) {
      await jobsRepository
        .fail(db, job.id, owner, {
          code: 'JOB_ABANDONED',
          message: `The job was interrupted ${MAX_ATTEMPTS} times without finishing and was given up`,
        })
        .catch((error: unknown) =>
          log.warn({ err: error, jobId: job.id }, 'failing an abandoned job failed'),
        );
      return;
    }
    const progress = { phase: 'starting', done: 0, total: 0 };
    let beat = Promise.resolve();
    const heartbeat = setInterval(
      () => {
        beat = beat
          .then(async () => {
            if (abort.signal.aborted) return;
            const held = await jobsRepository.renew(db, job.id, owner, leaseSeconds, progress);
            if (!held) abort.abort(new LeaseLostError());
          })
          .catch((error: unknown) => log.warn({ err: error, jobId: job.id }, 'renewing a job lease failed'));
      },
      Math.min(HEARTBEAT_MS, (leaseSeconds * 1000) / 3),
    );
    heartbeat.unref();
    const work: JobWork = {
      signal: abort.signal,
      progress(phase, done = progress.done, total = progress.total) {
        Object.assign(progress, { phase, done, total });
      },
      async completeIn(tx, result) {
        if (!(await jobsRepository.succeed(tx, job.id, owner, result))) throw new LeaseLostError();
      },
    };
    try {
      const result = await this.deps.handler(job, work);
      // Finishes a job whose work had no transaction to finish it in (nothing to write); else a no-op.
      await jobsRepository.succeed(db, job.id, owner, result);
    } catch (error) {
      if (abort.signal.aborted || error instanceof LeaseLostError) {
        log.info({ jobId: job.id }, 'background job given up here: it is no longer held by this instance');
        return;
      }
      const failure = jobError(error, job.id);
      if (failure.code === 'INTERNAL_ERROR')
        log.error({ err: error, jobId: job.id }, 'background job failed');
      await jobsRepository
        .fail(db, job.id, owner, failure)
        .catch((cause: unknown) =>
          log.warn({ err: cause, jobId: job.id }, 'recording a job failure failed; it will run again'),
        );
    } finally {
      clearInterval(heartbeat);
      await beat;
    }
  }
}

/** What a failed job shows: the typed error's code and message, nothing of an unexpected one. */
function jobError(error: unknown, jobId: string): JobError {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  return {
    code: 'INTERNAL_ERROR',
    message: `The job failed unexpectedly (job id ${jobId}; see the server log)`,
  };
}
