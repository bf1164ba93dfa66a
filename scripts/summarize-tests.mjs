#!/usr/bin/env node
// Adds up the vitest JSON reports of every suite run and prints the closing "N passed, N failed" line.
// Steps that failed without producing a report (lint, typecheck, build, a crashed run) count as failures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const suites = report.testResults ?? [];
  // A test file that failed to load has no test results but still fails the run.
  failed += suites.filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
  console.log(
    `${file.replace(/\.json$/, '')}: ${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed`,
  );
}
const reported = new Set(readdirSync(dir).map((f) => f.replace(/\.json$/, '')));
const stepFailures = failedSteps.filter(
  (step) => !reported.has(step) || !existsSync(join(dir, `${step}.json`)),
);
if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`);
failed += stepFailures.length;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || failedSteps.length > 0 ? 1 : 0);
