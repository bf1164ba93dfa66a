import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string | null>;
  output(): string;
}

/** Starts `ainstruct serve` as a real process and resolves once it listens (rejects if it exits first). */
export function startServeProcess(
  env: Record<string, string>,
  timeoutMs = CLI_TIMEOUT_MS,
): Promise<ServeProcess> {
  // The URL is read from the start-up log line, so the level is at least info.
  const child = spawnCli(['serve'], { HOST: '127.0.0.1', PORT: '0', ...env, LOG_LEVEL: 'info' });
  let output = '';
  const append = (chunk: string) => {
    output += chunk;
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  child.stdin.end();
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${output}`));
    }, timeoutMs);
    const onData = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve({ child, url: match[1], pid: child.pid ?? 0, exited, output: () => output });
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${output}`));
    });
  });
}
