import { z } from 'zod';
import { jobIdArg, storedDocumentFields } from '../schemas.js';
import { defineTool, type McpTool } from '../tool.js';

/** Following background work: every credential may read its own user's jobs (a collection token: its own). */
const getJob = defineTool({
  name: 'get_job_tool',
  title: 'Get job',
  description:
    'Follow a background store (job_id from store_document_tool): its state, progress in chunks embedded, ' +
    'and the document once succeeded, or the failure (then nothing was stored). Poll every few seconds.',
  input: z.strictObject({ job_id: jobIdArg }),
  output: z.object({
    job_id: z.string(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.object({ done: z.number(), total: z.number(), phase: z.string() }),
    result: z.object(storedDocumentFields).nullable(),
    // Not `error`: a tool's own failures are isError results; this is the job's outcome, a success to report.
    failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true },
  needs: { userCredential: false, write: false },
  async run(args, { services, principal }) {
    const { error, ...job } = await services.jobs.get({ principal, jobId: args.job_id });
    return { ...job, failure: error };
  },
});

export const jobTools: McpTool[] = [getJob];
