import { Agent, request as httpRequest } from 'node:http';

/** One request of a workload; `i` counts requests across all loops, to vary ids or queries. */
export interface LoadRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Sample {
  requests: number;
  errors: number;
  latencies: number[];
  seconds: number;
}

/**
 * `concurrency` loops for `seconds`, each sending its next request as soon as the last one answered, over
 * keep-alive connections of node:http (far cheaper per request than fetch, so on a small machine the client
 * takes less of the CPU the servers are measured on).
 */
export async function drive(
  next: (i: number) => LoadRequest,
  options: { concurrency: number; seconds: number },
): Promise<Sample> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const sample: Sample = { requests: 0, errors: 0, latencies: [], seconds: options.seconds };
  const end = performance.now() + options.seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        const ok = await send(next(count++), agent);
        sample.latencies.push(performance.now() - started);
        if (ok) sample.requests += 1;
        else sample.errors += 1;
      }
    }),
  );
  agent.destroy();
  return sample;
}

function send(request: LoadRequest, agent: Agent): Promise<boolean> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(
      request.url,
      { method: request.method ?? 'GET', headers: request.headers, agent },
      (response) => {
        response.resume();
        response.on('end', () => resolve((response.statusCode ?? 500) < 400));
        response.on('error', () => resolve(false));
      },
    );
    outgoing.on('error', () => resolve(false));
    outgoing.end(request.body);
  });
}

export const rate = (sample: Sample) => sample.requests / sample.seconds;

export const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** p50 and p95 of all latencies of some samples, in ms. */
export function latencyOf(samples: readonly Sample[]): { p50: number; p95: number; p99: number } {
  const sorted = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
}
