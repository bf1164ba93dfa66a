import { Progress, Stack, Text } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { jobFinished, useJob } from '../api/documents';
import type { Job } from '../api/types';

function describe(job: Job | undefined): string {
  if (!job || job.state === 'queued') return 'Queued for background storing…';
  if (job.state === 'failed') return `Failed: ${job.error?.message ?? 'unknown error'}`;
  if (job.state === 'succeeded') return 'Stored';
  const { done, total, phase } = job.progress;
  if (phase === 'storing') return 'Saving…';
  return total > 0 ? `Embedding ${done} of ${total} chunks…` : 'Starting…';
}

/**
 * A background store's progress, polled until it has finished; `onFinished` is called once with the final
 * job (succeeded, with its result, or failed, with its error).
 */
export function JobProgress({ jobId, onFinished }: { jobId: string; onFinished: (job: Job) => void }) {
  const { data: job } = useJob(jobId);
  const reported = useRef(false);
  const callback = useRef(onFinished);
  callback.current = onFinished;
  useEffect(() => {
    if (job && jobFinished(job) && !reported.current) {
      reported.current = true;
      callback.current(job);
    }
  }, [job]);
  const value = job && job.progress.total > 0 ? (job.progress.done / job.progress.total) * 100 : 0;
  return (
    <Stack gap={4} data-testid="job-progress">
      <Text size="xs" c={job?.state === 'failed' ? 'red' : 'dimmed'} role="status" aria-live="polite">
        {describe(job)}
      </Text>
      {!jobFinished(job) && (
        <Progress value={value} animated size="sm" aria-label="Background storing progress" />
      )}
    </Stack>
  );
}
