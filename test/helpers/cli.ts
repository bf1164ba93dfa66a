import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_JWT_SECRET } from './server.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI_TIMEOUT_MS = 150_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI from the TypeScript sources, in a fresh Node process with exactly the given environment. */
export function spawnCli(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env });
}

/**
 * The real CLI in a fresh Node process with only the environment it needs: the path, a home, quiet logs, one
 * embedding worker, the test JWT secret, and the database to use (`DATABASE_URL` or `DATA_DIR`).
 */
export function runCliWith(dbEnv: Record<string, string>, args: string[], stdin = ''): Promise<CliResult> {
  return collect(spawnCli(args, cliEnv(dbEnv)), stdin);
}

/** The environment `runCliWith` gives the CLI, for tests that launch it themselves. */
export function cliEnv(
  dbEnv: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    LOG_LEVEL: 'silent',
    EMBEDDING_WORKERS: '1',
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    ...dbEnv,
    ...extra,
  };
}

/** Runs a child to completion, feeding it `stdin`, collecting its output; killed if it hangs. */
export function collect(child: ChildProcessWithoutNullStreams, stdin = ''): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    // The CLI may exit before reading its input (e.g. on a bad argument).
    child.stdin.on('error', () => {});
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}
