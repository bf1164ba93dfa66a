import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.js';
import { type OutboxEntry, outboxRepository } from './outbox.repository.js';

/** Targets claimed per batch. */
const BATCH_TARGETS = 64;
/**
 * How long a claim holds before another worker may take the targets over (a killed instance's). Longer than a
 * batch can take; a sweep on a big database renews nothing, so it is long enough for a rebuild's pages too.
 */
const LEASE_SECONDS = 300;

/**
 * Drains the vector outbox: claims targets, applies them, deletes the entries on success or releases them with
 * a backoff and the error on failure. Every instance runs one; claims keep them from applying one target twice
 * at the same time. Nothing here knows what applying means (that is the store's).
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly deps: {
      db: Database;
      workerId: string;
      apply: (entries: OutboxEntry[]) => Promise<void>;
      log: FastifyBaseLogger;
      pollMs: number;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Applies just these targets now (a write's own), if no other worker holds them. */
  async runTargets(targets: string[]): Promise<void> {
    const entries = await outboxRepository.claim(this.deps.db, this.deps.workerId, {
      limit: targets.length,
      leaseSeconds: LEASE_SECONDS,
      targets,
    });
    await this.applyClaimed(entries);
  }

  /** One batch; true when there may be more. */
  async runOnce(): Promise<boolean> {
    const entries = await outboxRepository.claim(this.deps.db, this.deps.workerId, {
      limit: BATCH_TARGETS,
      leaseSeconds: LEASE_SECONDS,
    });
    await this.applyClaimed(entries);
    return entries.length > 0;
  }

  private async applyClaimed(entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map((entry) => entry.id);
    try {
      await this.deps.apply(entries);
    } catch (error) {
      await outboxRepository.release(
        this.deps.db,
        ids,
        error instanceof Error ? error.message : String(error),
      );
      throw error;
    }
    await outboxRepository.complete(this.deps.db, ids);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((more) => this.schedule(more ? 0 : this.deps.pollMs))
        .catch((error: unknown) => {
          this.deps.log.warn({ err: error }, 'vector outbox batch failed; retrying later');
          this.schedule(this.deps.pollMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
