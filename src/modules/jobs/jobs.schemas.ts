import { z } from 'zod';
import { pageQuery } from '../../http/schemas.js';
import { storeResponse } from '../documents/documents.schemas.js';

export const JOB_KINDS = ['store_document'] as const;
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;

export const jobParams = z.object({ job_id: z.string().min(1).max(100) });
export const jobListQuery = pageQuery(20);

export const jobProgress = z
  .object({
    done: z.number(),
    total: z.number().describe('Chunks to embed; 0 until known'),
    phase: z.string().describe('queued, starting, embedding, storing or done'),
  })
  .describe('How far the job is: chunks embedded of all to embed, and the current step');

export const jobError = z.object({ code: z.string(), message: z.string() });

/** A background job as REST returns it; `result` is what the synchronous call would have answered. */
export const jobResponse = z.object({
  job_id: z.string(),
  kind: z.enum(JOB_KINDS),
  state: z.enum(JOB_STATES).describe('queued → running → succeeded or failed'),
  progress: jobProgress,
  result: storeResponse
    .nullable()
    .describe('Set once succeeded: the stored (or identical existing) document'),
  error: jobError.nullable().describe('Set once failed; nothing was stored'),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});

export const jobListResponse = z.object({
  jobs: z.array(jobResponse),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});

export type JobView = z.infer<typeof jobResponse>;
