import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Running the official conformance suite (`@modelcontextprotocol/conformance server --url …`) against the
 * real /mcp. The CLI cannot send an Authorization header, so it talks to a pass-through proxy that adds one;
 * the server itself has no unauthenticated mode.
 */

export interface AuthenticatingProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * A transparent reverse proxy on 127.0.0.1: every request is forwarded unchanged (Host and Origin included,
 * as a proxy preserving Host would) with `Authorization: Bearer <token>` added; responses, SSE streams
 * included, are piped back as they come.
 */
export async function startAuthenticatingProxy(target: string, token: string): Promise<AuthenticatingProxy> {
  const upstream = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, authorization: `Bearer ${token}` },
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ScenarioResult {
  passed: number;
  failed: number;
  /** The CLI's message for each failed check, and for each warning. */
  errors: string[];
  warnings: string[];
}

export interface ConformanceRun {
  /** Scenario → result, in the order the CLI ran them. */
  scenarios: Map<string, ScenarioResult>;
  output: string;
  exitCode: number | null;
}

const here = dirname(fileURLToPath(import.meta.url));
const cliPath = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
);

const checksSchema = z.array(
  z
    .object({
      id: z.string(),
      status: z.string(),
      errorMessage: z.string().optional(),
      details: z.unknown().optional(),
    })
    .loose(),
);

/**
 * What the CLI saved about one scenario's failed and warned checks
 * (`<dir>/server-<scenario>-<time>/checks.json`).
 */
async function checkMessages(resultsDir: string, scenario: string) {
  const folders = (await readdir(resultsDir)).filter((name) => name.startsWith(`server-${scenario}-`));
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const folder of folders) {
    const checks = checksSchema.parse(
      JSON.parse(await readFile(join(resultsDir, folder, 'checks.json'), 'utf8')),
    );
    for (const check of checks) {
      const detail = z.object({ message: z.string() }).safeParse(check.details).data?.message;
      const message = `${check.id}: ${check.errorMessage ?? detail ?? check.status.toLowerCase()}`;
      if (check.status === 'FAILURE') errors.push(message);
      if (check.status === 'WARNING') warnings.push(message);
    }
  }
  return { errors, warnings };
}

/**
 * Runs the CLI's active server suite in a child process (asynchronously: the server under test lives in this
 * process). On Node 20 it is preloaded with hooks that give it the `fs.globSync` it imports.
 */
export async function runConformance(url: string, timeoutMs: number): Promise<ConformanceRun> {
  const resultsDir = await mkdtemp(join(tmpdir(), 'ainstruct-conformance-'));
  const needsShim = Number(process.versions.node.split('.')[0]) < 22;
  const preload = needsShim ? ['--import', join(here, 'mcp-conformance-hooks.mjs')] : [];
  const child = spawn(process.execPath, [...preload, cliPath, 'server', '--url', url, '-o', resultsDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const scenarios = new Map<string, ScenarioResult>();
    for (const match of output.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed$/gm)) {
      const [, name, passed, failed] = match;
      if (!name) continue;
      scenarios.set(name, {
        passed: Number(passed),
        failed: Number(failed),
        ...(await checkMessages(resultsDir, name)),
      });
    }
    return { scenarios, output, exitCode };
  } finally {
    clearTimeout(timer);
    await rm(resultsDir, { recursive: true, force: true });
  }
}

/** The scenario list as recorded in test-results/mcp-conformance.txt (and quoted in the README). */
export function formatConformance(run: ConformanceRun): string {
  const lines = [...run.scenarios].map(([name, result]) => {
    const mark = result.failed > 0 ? 'FAIL' : result.passed > 0 ? 'pass' : 'n/a ';
    const notes = [...result.errors, ...result.warnings.map((w) => `warning ${w}`)];
    const detail = notes.length > 0 ? ` — ${notes.join('; ')}` : '';
    return `${mark}  ${name} (${result.passed} passed, ${result.failed} failed)${detail}`;
  });
  return `${lines.join('\n')}\n`;
}
