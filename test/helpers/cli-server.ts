import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnCli } from './cli.js';

const START_TIMEOUT_MS = 120_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `ainstruct serve` as a real child process: killable with any signal, like a server in production. */
export interface CliServer {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Settles when the process has exited (its pipes closed). */
  exited: Promise<ChildExit>;
  /** Everything it wrote so far (its log is JSON lines on stdout). */
  output(): string;
  /** Sends `signal` and waits for the process to be gone. */
  stop(signal: NodeJS.Signals): Promise<ChildExit>;
}

/**
 * Starts `ainstruct serve` from the sources with exactly `env` (plus LOG_LEVEL=info, which carries the URL it
 * listens on) and resolves once it listens. The port should be 0, so every start gets a fresh one.
 */
export async function startCliServer(env: Record<string, string>): Promise<CliServer> {
  const child = spawnCli(['serve'], { ...env, LOG_LEVEL: 'info' });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const exited = new Promise<ChildExit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: string) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    // Both pipes are drained for the process's whole life, so a chatty log never blocks it.
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return {
    url,
    child,
    exited,
    output: () => output,
    stop(signal) {
      child.kill(signal);
      return exited;
    },
  };
}
