/**
 * The offline embedding provider: Universal Sentence Encoder lite in a pool of worker threads. The model
 * embeds ~10 full 128-token windows per second per thread, so the main thread only queues work and never
 * loads it.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { EmbeddingUnavailableError } from '../../errors.js';
import { startModuleWorker } from '../../workers/start-worker.js';
import type { EmbeddingProvider, EmbeddingPurpose } from '../provider.js';
import {
  type FromWorker,
  LOCAL_DIMENSIONS,
  LOCAL_MODEL_ID,
  type ToWorker,
  type WorkerInit,
} from './protocol.js';
import { DEFAULT_WINDOW_OPTIONS, type WindowOptions } from './windows.js';

export { LOCAL_DIMENSIONS, LOCAL_MODEL_ID } from './protocol.js';

export interface LocalProviderOptions {
  /** Worker threads; default the number of CPUs. Each holds its own copy of the model (~30 MB). */
  workers?: number;
  /**
   * Texts waiting for a worker beyond which `embed` fails fast with EmbeddingUnavailableError. Default
   * 10,000.
   */
  maxQueuedTexts?: number;
  /** A call is cut into jobs of at most this many texts (default 32) ... */
  jobMaxTexts?: number;
  /**
   * ... and about this many characters (default 4,000, ~8 model windows, under a second of work), so that
   * work spreads over all workers and a query never waits long behind a bulk import.
   */
  jobMaxChars?: number;
  /** A job still running after this long (default 120 s) fails and its worker is replaced. */
  jobTimeoutMs?: number;
  window?: Partial<WindowOptions>;
  /** Windows per model call inside a worker; default 32. */
  modelBatch?: number;
  /**
   * After this long with nothing to embed, the workers are stopped and their memory (~130 MB each) returned;
   * the next call starts them again (a second or two). Default 0: they stay.
   */
  idleMs?: number;
}

export interface LocalProviderStats {
  workers: number;
  ready: number;
  busy: number;
  queuedTexts: number;
  /** Workers started to replace one that crashed, timed out or failed to load. */
  restarts: number;
  /** Times the whole pool was stopped for being idle (`idleMs`). */
  retirements: number;
  /** Per worker that became ready (latest last, at most 16): milliseconds from spawn to ready ... */
  startupMs: number[];
  /** ... and of that, milliseconds spent loading the model weights. */
  loadMs: number[];
}

interface Call {
  results: Float32Array[];
  pendingJobs: number;
  settled: boolean;
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
}

interface Job {
  texts: string[];
  offset: number;
  call: Call;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Jobs sent together in one message (empty when idle); `batchId` is that message's id. */
  jobs: Job[];
  batchId: number;
  spawnedAt: number;
  timer: NodeJS.Timeout | null;
  lastError: Error | null;
  /** Stopped on purpose for being idle: its exit is not a crash. */
  retired?: boolean;
}

/**
 * After this many workers in a row die before loading the model, queued work is failed instead of retried.
 */
const MAX_START_FAILURES = 3;

/** The pool's worker (see src/workers/start-worker.ts for how it starts from sources and from the build). */
function startWorker(init: WorkerInit): Worker {
  try {
    return startModuleWorker(import.meta.url, 'worker', init);
  } catch (cause) {
    const message = 'running the local embedding model from TypeScript sources needs tsx';
    throw new EmbeddingUnavailableError(message, { cause });
  }
}

const closedError = () => new EmbeddingUnavailableError('the local embedding provider is closed');

export class LocalEmbeddingProvider implements EmbeddingProvider {
  readonly model = LOCAL_MODEL_ID;
  readonly dimensions = LOCAL_DIMENSIONS;

  private readonly size: number;
  private readonly maxQueuedTexts: number;
  private readonly jobMaxTexts: number;
  private readonly jobMaxChars: number;
  private readonly jobTimeoutMs: number;
  private readonly idleMs: number;
  private readonly init: WorkerInit;

  private readonly slots: Slot[] = [];
  // Queries jump ahead of documents: a search is interactive, an import can wait a little longer.
  private readonly queryJobs: Job[] = [];
  private readonly documentJobs: Job[] = [];
  private queuedTexts = 0;
  private nextId = 1;
  private startFailures = 0;
  private restarts = 0;
  private retirements = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** A model load has succeeded since the last failure: the model is known to work. */
  private loadedOnce = false;
  private readonly startupTimes: number[] = [];
  private readonly loadTimes: number[] = [];
  private warmupWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(options: LocalProviderOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.maxQueuedTexts = Math.max(1, options.maxQueuedTexts ?? 10_000);
    this.jobMaxTexts = Math.max(1, options.jobMaxTexts ?? 32);
    this.jobMaxChars = Math.max(1, options.jobMaxChars ?? 4_000);
    this.jobTimeoutMs = Math.max(1, options.jobTimeoutMs ?? 120_000);
    this.idleMs = Math.max(0, options.idleMs ?? 0);
    this.init = {
      window: { ...DEFAULT_WINDOW_OPTIONS, ...options.window },
      modelBatch: Math.max(1, options.modelBatch ?? 32),
    };
  }

  embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(closedError());
    if (texts.length === 0) return Promise.resolve([]);
    if (this.queuedTexts + texts.length > this.maxQueuedTexts) {
      return Promise.reject(
        new EmbeddingUnavailableError(
          `the local embedding queue is full (${this.queuedTexts} texts waiting, ` +
            `limit ${this.maxQueuedTexts})`,
        ),
      );
    }
    return new Promise<Float32Array[]>((resolve, reject) => {
      const call: Call = {
        results: new Array(texts.length),
        pendingJobs: 0,
        settled: false,
        resolve,
        reject,
      };
      // Cut the call so that even a single call keeps every worker busy, within the per-job limits.
      let totalChars = 0;
      for (const text of texts) totalChars += text.length;
      const maxTexts = Math.min(this.jobMaxTexts, Math.ceil(texts.length / this.size));
      const maxChars = Math.min(this.jobMaxChars, Math.ceil(totalChars / this.size));
      const jobs: Job[] = [];
      let start = 0;
      let chars = 0;
      for (let i = 0; i < texts.length; i++) {
        const length = texts[i]?.length ?? 0;
        if (i > start && (i - start >= maxTexts || chars + length > maxChars)) {
          jobs.push({ texts: texts.slice(start, i), offset: start, call });
          start = i;
          chars = 0;
        }
        chars += length;
      }
      jobs.push({ texts: texts.slice(start), offset: start, call });
      call.pendingJobs = jobs.length;
      (purpose === 'query' ? this.queryJobs : this.documentJobs).push(...jobs);
      this.queuedTexts += texts.length;
      this.fill();
      this.dispatch();
    });
  }

  /**
   * Whether embedding works, without starting a retired pool for it: once the model has loaded and the pool
   * was stopped only for being idle, that is known; otherwise a probe text is embedded.
   */
  async check(): Promise<void> {
    if (this.closed) throw closedError();
    if (this.slots.length === 0 && this.loadedOnce) return;
    await this.embed(['readiness probe'], 'query');
  }

  /** Starts every worker and resolves once all have loaded the model. */
  warmup(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    const promise = new Promise<void>((resolve, reject) => this.warmupWaiters.push({ resolve, reject }));
    this.fill();
    this.settleWarmup();
    this.updateRefs();
    return promise;
  }

  stats(): LocalProviderStats {
    return {
      workers: this.slots.length,
      ready: this.slots.filter((s) => s.ready).length,
      busy: this.slots.filter((s) => s.jobs.length > 0).length,
      queuedTexts: this.queuedTexts,
      restarts: this.restarts,
      retirements: this.retirements,
      startupMs: [...this.startupTimes],
      loadMs: [...this.loadTimes],
    };
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closed = true;
    this.clearIdleTimer();
    const error = closedError();
    this.failQueued(error);
    for (const slot of this.slots) {
      for (const job of this.clearJobs(slot)) this.failJob(job, error);
    }
    this.rejectWarmup(error);
    const slots = this.slots.splice(0);
    this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    return this.closing;
  }

  /**
   * Test hook: kills a worker the way a crash would (busy ones first) without telling the pool. Returns false
   * if no worker is running.
   */
  _crashWorkerForTesting(): boolean {
    const slot = this.slots.find((s) => s.jobs.length > 0) ?? this.slots[0];
    if (slot === undefined) return false;
    void slot.worker.terminate();
    return true;
  }

  /** Starts workers until the pool has its full size. */
  private fill(): void {
    while (!this.closed && this.slots.length < this.size) {
      let worker: Worker;
      try {
        worker = startWorker(this.init);
      } catch (error) {
        const reason = error instanceof Error ? error : new Error(String(error));
        this.giveUp(reason instanceof EmbeddingUnavailableError ? reason : this.startError(reason));
        return;
      }
      const slot: Slot = {
        worker,
        ready: false,
        jobs: [],
        batchId: 0,
        spawnedAt: performance.now(),
        timer: null,
        lastError: null,
      };
      this.slots.push(slot);
      worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
      worker.on('error', (error) => {
        slot.lastError = error;
      });
      worker.on('exit', (code) => this.onExit(slot, code));
    }
    this.updateRefs();
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      slot.ready = true;
      this.startFailures = 0;
      this.loadedOnce = true;
      this.startupTimes.push(Math.round(performance.now() - slot.spawnedAt));
      this.loadTimes.push(message.loadMs);
      if (this.loadTimes.length > 16) this.loadTimes.shift();
      if (this.startupTimes.length > 16) this.startupTimes.shift();
      this.settleWarmup();
      this.dispatch();
      return;
    }
    if (slot.jobs.length === 0 || slot.batchId !== message.id) return;
    const jobs = this.clearJobs(slot);
    const texts = jobs.reduce((sum, job) => sum + job.texts.length, 0);
    if (message.type === 'failed') {
      const error = new EmbeddingUnavailableError(`local embedding failed: ${message.message}`);
      for (const job of jobs) this.failJob(job, error);
    } else if (message.count !== texts || message.vectors.length !== texts * LOCAL_DIMENSIONS) {
      const error = new EmbeddingUnavailableError('local embedding worker returned a malformed result');
      for (const job of jobs) this.failJob(job, error);
    } else {
      let row = 0;
      for (const job of jobs) {
        for (let i = 0; i < job.texts.length; i++, row++) {
          const vector = message.vectors.slice(row * LOCAL_DIMENSIONS, (row + 1) * LOCAL_DIMENSIONS);
          job.call.results[job.offset + i] = vector;
        }
        job.call.pendingJobs--;
        if (job.call.pendingJobs === 0 && !job.call.settled) {
          job.call.settled = true;
          job.call.resolve(job.call.results);
        }
      }
    }
    this.dispatch();
  }

  private onExit(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    const jobs = this.clearJobs(slot);
    if (this.closed || slot.retired) return;
    const detail = slot.lastError?.message ?? `exit code ${code}`;
    const message = `a local embedding worker stopped while embedding (${detail})`;
    const crash = new EmbeddingUnavailableError(message, { cause: slot.lastError ?? undefined });
    for (const job of jobs) this.failJob(job, crash);
    if (!slot.ready && ++this.startFailures >= MAX_START_FAILURES) {
      // The model cannot load (broken install, out of memory...): respawning forever would spin, so stop,
      // fail what nobody can serve, and let the next call try again from scratch.
      this.startFailures = 0;
      this.loadedOnce = false;
      const error = this.startError(slot.lastError ?? new Error(detail));
      this.rejectWarmup(error);
      if (!this.slots.some((s) => s.ready)) this.failQueued(error);
      this.dispatch();
      return;
    }
    this.restarts++;
    this.fill();
    this.dispatch();
  }

  /**
   * Hands queued jobs to idle workers. Small jobs (typically single-text queries from concurrent requests) are
   * sent together, since the model embeds a batch of short texts about twice as fast as the same texts one by
   * one; but each worker takes only its share, so that no idle worker is left waiting.
   */
  private dispatch(): void {
    const idle = this.slots.filter((s) => s.ready && s.jobs.length === 0);
    for (const [n, slot] of idle.entries()) {
      if (this.queuedTexts === 0) break;
      const share = Math.ceil(this.queuedTexts / (idle.length - n));
      const jobs: Job[] = [];
      let texts = 0;
      let chars = 0;
      for (;;) {
        const queue = this.queryJobs.length > 0 ? this.queryJobs : this.documentJobs;
        const next = queue[0];
        if (next === undefined) break;
        const nextChars = next.texts.reduce((sum, text) => sum + text.length, 0);
        const fits =
          texts + next.texts.length <= Math.min(share, this.jobMaxTexts) &&
          chars + nextChars <= this.jobMaxChars;
        if (jobs.length > 0 && !fits) break;
        queue.shift();
        jobs.push(next);
        texts += next.texts.length;
        chars += nextChars;
      }
      if (jobs.length === 0) break;
      this.queuedTexts -= texts;
      const batchId = this.nextId++;
      slot.jobs = jobs;
      slot.batchId = batchId;
      slot.timer = setTimeout(() => this.onTimeout(slot, batchId), this.jobTimeoutMs);
      slot.timer.unref();
      const message: ToWorker = { type: 'embed', id: batchId, texts: jobs.flatMap((job) => job.texts) };
      slot.worker.postMessage(message);
    }
    this.updateRefs();
  }

  private onTimeout(slot: Slot, batchId: number): void {
    if (slot.batchId !== batchId || slot.jobs.length === 0) return;
    const error = new EmbeddingUnavailableError(`local embedding timed out after ${this.jobTimeoutMs} ms`);
    for (const job of this.clearJobs(slot)) this.failJob(job, error);
    // The worker may be stuck inside the model; replacing it is the only way to get the thread back.
    slot.lastError = new Error('terminated after a job timeout');
    void slot.worker.terminate();
  }

  /** Marks the slot idle and returns the jobs it was running. */
  private clearJobs(slot: Slot): Job[] {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    const jobs = slot.jobs;
    slot.jobs = [];
    return jobs;
  }

  /**
   * Fails the call a job belongs to, and drops that call's jobs that have not started: nobody wants them now.
   */
  private failJob(job: Job, error: Error): void {
    const call = job.call;
    if (call.settled) return;
    call.settled = true;
    for (const queue of [this.queryJobs, this.documentJobs]) {
      for (let i = queue.length - 1; i >= 0; i--) {
        const queued = queue[i];
        if (queued?.call === call) {
          this.queuedTexts -= queued.texts.length;
          queue.splice(i, 1);
        }
      }
    }
    call.reject(error);
  }

  private failQueued(error: Error): void {
    for (const job of [...this.queryJobs, ...this.documentJobs]) this.failJob(job, error);
    this.queryJobs.length = 0;
    this.documentJobs.length = 0;
    this.queuedTexts = 0;
  }

  private giveUp(error: EmbeddingUnavailableError): void {
    this.failQueued(error);
    this.rejectWarmup(error);
    this.updateRefs();
  }

  private startError(cause: Error): EmbeddingUnavailableError {
    return new EmbeddingUnavailableError(`the local embedding model failed to load: ${cause.message}`, {
      cause,
    });
  }

  private settleWarmup(): void {
    if (this.warmupWaiters.length === 0) return;
    if (this.slots.length < this.size || this.slots.some((s) => !s.ready)) return;
    const waiters = this.warmupWaiters;
    this.warmupWaiters = [];
    for (const waiter of waiters) waiter.resolve();
    this.updateRefs();
  }

  private rejectWarmup(error: Error): void {
    const waiters = this.warmupWaiters;
    this.warmupWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /**
   * Idle workers must not keep the process alive (a CLI that forgets close() should still exit), but a worker
   * that has work, or is loading while someone waits for it, must.
   */
  private updateRefs(): void {
    const waiting = this.queuedTexts > 0 || this.warmupWaiters.length > 0;
    for (const slot of this.slots) {
      if (slot.jobs.length > 0 || (!slot.ready && waiting)) slot.worker.ref();
      else slot.worker.unref();
    }
    this.scheduleRetirement();
  }

  private isIdle(): boolean {
    return (
      this.queuedTexts === 0 &&
      this.warmupWaiters.length === 0 &&
      this.slots.every((slot) => slot.ready && slot.jobs.length === 0)
    );
  }

  /** (Re)arms the idle timer while nothing is to be done, and disarms it as soon as something is. */
  private scheduleRetirement(): void {
    if (this.idleMs === 0 || this.closed) return;
    if (this.slots.length === 0 || !this.isIdle()) {
      this.clearIdleTimer();
      return;
    }
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => this.retire(), this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Stops every worker of an idle pool; the next `embed` starts them again. */
  private retire(): void {
    this.idleTimer = null;
    if (this.closed || this.slots.length === 0 || !this.isIdle()) return;
    this.retirements++;
    for (const slot of this.slots.splice(0)) {
      slot.retired = true;
      void slot.worker.terminate();
    }
  }
}
