import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Instance {
  url: string;
  child: ChildProcess;
  /** CPU seconds (user + system) the process has used so far, from /proc. */
  cpuSeconds(): number;
}

/** The environment every bench server gets: no limits in the way, a fixed secret, one embedding thread. */
export function benchEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0123',
    LOG_LEVEL: 'info',
    EMBEDDING_WORKERS: '1',
    // The benches measure throughput, not the limits.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    ...extra,
  };
}

/** CPU seconds of a process, from /proc/<pid>/stat (utime + stime, in clock ticks of 1/100 s on Linux). */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Spawns `args` (a node script and its arguments) and resolves once `GET {url}{readyPath}` answers 200. */
export function startInstance(
  args: string[],
  env: Record<string, string>,
  port: number,
  readyPath = '/ready',
): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const instance: Instance = { url, child, cpuSeconds: () => cpuOf(child.pid) };
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 180_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error(`${args.join(' ')} on ${port} exited`));
      try {
        if ((await fetch(`${url}${readyPath}`)).ok) return resolve(instance);
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) return reject(new Error(`${args.join(' ')} on ${port} not ready`));
      setTimeout(poll, 300);
    };
    void poll();
  });
}

export async function json(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, { ...init, headers });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Registers a user on a running instance and returns a new PAT of theirs. */
export async function benchUserPat(base: string, name = 'bench'): Promise<string> {
  const password = 'bench password 1';
  await json(`${base}/api/v1/auth/register`, {
    method: 'POST',
    body: JSON.stringify({ username: name, email: `${name}@example.com`, password }),
  });
  const login = await json(`${base}/api/v1/auth/login`, {
    method: 'POST',
    body: JSON.stringify({ username: name, password }),
  });
  const pat = await json(`${base}/api/v1/auth/pat`, {
    method: 'POST',
    token: login.access_token,
    body: JSON.stringify({ label: name }),
  });
  return pat.token as string;
}
