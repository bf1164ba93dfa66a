import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

const FUZZ_LOG = process.env.FUZZ_LOG;

import { fuzzParameters } from './arbitraries.js';
import type { Credential, Snapshot, World } from './world.js';

/**
 * What must hold for every generated request, whatever it carried: no server error, the documented error
 * shape, nothing changed by a refusal, nothing changed for a tenant by anyone else, nothing of another tenant
 * shown. Each check returns the problems it found (empty: fine), so a failure names all of them at once.
 */

export interface Observed {
  caller: Credential;
  /** The request as text (method, URL, headers, body), to tell echoed ids from leaked ones and to report. */
  requestText: string;
  /** Whether the server refused the request (a 4xx, or an MCP error result). */
  rejected: boolean;
  responseText: string;
  before: Snapshot;
  after: Snapshot;
}

export function stateProblems(world: World, observed: Observed): string[] {
  const problems: string[] = [];
  const changed = world.changedUsers(observed.before, observed.after);
  if (observed.rejected && changed.length > 0) {
    problems.push(`a rejected request changed stored state (users ${changed.join(', ')})`);
  }
  const own = observed.caller.owner === undefined ? undefined : world.userIdOf(observed.caller.owner);
  for (const owner of ['a', 'b'] as const) {
    const id = world.userIdOf(owner);
    if (id !== own && changed.includes(id)) {
      problems.push(`tenant ${owner}'s state changed by a request of ${observed.caller.name}`);
    }
  }
  const leaks = world.leaksIn(observed.caller, observed.requestText, observed.responseText);
  if (leaks.length > 0) problems.push(`another tenant's data shown: ${leaks.join(', ')}`);
  return problems;
}

/** REST: below 500, and every 4xx is `{"detail": {"code": string, "message": string}}`. */
export function restProblems(status: number, body: unknown): string[] {
  if (status >= 500) return [`server error ${status}`];
  if (status < 400) return [];
  const detail = (body as { detail?: { code?: unknown; message?: unknown } } | undefined)?.detail;
  if (typeof detail?.code !== 'string' || detail.code === '' || typeof detail.message !== 'string') {
    return [`${status} without the {"detail": {"code", "message"}} shape`];
  }
  return [];
}

export function report(
  problems: string[],
  observed: Pick<Observed, 'caller' | 'requestText'>,
  status: string,
  responseText: string,
): void {
  if (problems.length === 0) return;
  const clip = (text: string) => (text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text);
  const lines = [
    ...problems,
    `caller: ${observed.caller.name}`,
    `request: ${clip(observed.requestText)}`,
    `response: ${status} ${clip(responseText)}`,
  ];
  // FUZZ_LOG=file: survey mode, every failure is appended there and the run goes on.
  if (FUZZ_LOG) {
    appendFileSync(FUZZ_LOG, `${JSON.stringify(lines)}\n`);
    return;
  }
  throw new Error(lines.join('\n'));
}

/**
 * Runs a property with the suite's seed and run count. fast-check's report (seed, path, counterexample) is
 * kept, with over-long lines cut: a counterexample may hold a 60 KB body.
 */
export async function fuzz<T>(
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  numRuns: number,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), fuzzParameters(numRuns));
  if (!details.failed) return;
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const message = `${cause}\n${fc.defaultReportMessage(details) ?? 'property failed'}`;
  const clip = (line: string) =>
    line.length > 1_500 ? `${line.slice(0, 1_500)}… (${line.length} chars)` : line;
  throw new Error(message.split('\n').map(clip).join('\n'));
}
