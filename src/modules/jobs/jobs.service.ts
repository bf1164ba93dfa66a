import { z } from 'zod';
import { assertJobVisible, collectionScope } from '../../auth/access.js';
import type { Principal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { forbidden } from '../../errors.js';
import { DOCUMENT_TYPES } from '../../ingest/document-types.js';
import type { DocumentsService, StoreInput, StoreResult } from '../documents/documents.service.js';
import { usersRepository } from '../users/users.repository.js';
import type { JobHandler } from './job-runner.js';
import { type JobSummaryRow, jobsRepository } from './jobs.repository.js';
import type { JobView } from './jobs.schemas.js';

/**
 * Background jobs: a store too large to answer within a request (JOBS_BACKGROUND_OVER_BYTES), or asked not to
 * wait, is checked like any store (validation, rights, collection) and then queued; the job runner does the
 * store later, on whichever instance claims it, and the job tells how far it is and what came of it.
 */

/** The caller as recorded with a queued job: the job runs with exactly the rights the request had. */
const principalSnapshot = z.object({
  userId: z.string(),
  username: z.string(),
  isSuperuser: z.boolean(),
  kind: z.enum(['jwt', 'pat', 'cat', 'oauth', 'cli', 'operator']),
  scopes: z.array(z.enum(['read', 'write', 'admin'])),
  credentialId: z.string(),
  collection: z.object({ id: z.string(), permission: z.enum(['read', 'read_write']) }).optional(),
  audience: z.string().optional(),
});

/** What a store_document job's `input` holds. */
const storeJobInput = z.object({
  principal: principalSnapshot,
  title: z.string().optional(),
  fallbackTitle: z.string().optional(),
  content: z.string(),
  documentType: z.enum(DOCUMENT_TYPES),
  metadata: z.record(z.string(), z.unknown()),
  collectionId: z.string(),
});

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function presentJob(row: JobSummaryRow): JobView {
  return {
    job_id: row.id,
    kind: row.kind as JobView['kind'],
    state: row.state as JobView['state'],
    progress: { done: row.progressDone, total: row.progressTotal, phase: row.phase },
    result: (row.result as JobView['result']) ?? null,
    error: row.error ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    finished_at: iso(row.finishedAt),
  };
}

const storeBody = ({ document, duplicate }: StoreResult) => ({ ...document, duplicate });

export function createJobsService(ctx: Pick<AppContext, 'db' | 'config'>, documents: DocumentsService) {
  const { db, config } = ctx;
  const queuedListeners = new Set<() => void>();

  /** The job runner's work for a store_document job: the store itself, finishing the job in its transaction. */
  const runStore: JobHandler = async (job, work) => {
    const { principal, ...request } = storeJobInput.parse(job.input);
    const user = await usersRepository.findById(db, principal.userId);
    if (!user?.isActive) throw forbidden('ACCOUNT_DISABLED', 'The account that queued this job is disabled');
    work.progress('embedding');
    const stored = await documents.store(
      { ...request, principal },
      {
        onProgress(done, total) {
          if (work.signal.aborted) throw work.signal.reason;
          work.progress(done < total ? 'embedding' : 'storing', done, total);
        },
        inTransaction: (tx, result) => work.completeIn(tx, storeBody(result)),
      },
    );
    return storeBody(stored);
  };

  return {
    /** Called whenever this process queued a job (the runner looks at once). */
    onQueued(listener: () => void): () => void {
      queuedListeners.add(listener);
      return () => queuedListeners.delete(listener);
    },

    /** What the job runner calls for each claimed job. */
    handler: (async (job, work) => {
      if (job.kind === 'store_document') return runStore(job, work);
      throw new Error(`unknown job kind ${job.kind}`);
    }) satisfies JobHandler,

    /**
     * Stores now, or, for content over JOBS_BACKGROUND_OVER_BYTES or with `wait: false`, queues the store
     * after checking everything the store itself checks first, so a queued job is one that was acceptable.
     */
    async storeDocument(
      input: StoreInput & { wait?: boolean | undefined },
    ): Promise<{ stored: StoreResult } | { job: JobView }> {
      const { wait, principal, ...request } = input;
      const background =
        wait === false || Buffer.byteLength(request.content, 'utf8') > config.JOBS_BACKGROUND_OVER_BYTES;
      if (!background) return { stored: await documents.store({ principal, ...request }) };
      const collection = await documents.checkStore(input);
      const jobInput = storeJobInput.parse({
        ...request,
        principal: { ...principal },
        collectionId: collection.id,
      });
      const row = await jobsRepository.insert(db, {
        kind: 'store_document',
        userId: principal.userId,
        collectionId: collection.id,
        input: jobInput,
      });
      for (const listener of queuedListeners) listener();
      return { job: presentJob(row) };
    },

    async get(input: { principal: Principal; jobId: string }): Promise<JobView> {
      return presentJob(assertJobVisible(input.principal, await jobsRepository.findById(db, input.jobId)));
    },

    async list(input: { principal: Principal; limit: number; offset: number }) {
      const page = await jobsRepository.list(db, {
        userId: input.principal.userId,
        scope: collectionScope(input.principal),
        limit: input.limit,
        offset: input.offset,
      });
      return {
        jobs: page.rows.map(presentJob),
        total: page.total,
        limit: input.limit,
        offset: input.offset,
      };
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
