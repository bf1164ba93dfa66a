import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DCLinter } from 'dclint';
import { DockerfileParser, type Instruction, type ModifiableInstruction } from 'dockerfile-ast';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS, loadConfig } from './config.js';

/**
 * Keeps the deployment files (Dockerfile, docker-compose.yml, deploy/nginx.conf, .env.example) from drifting
 * away from the code, since no Docker engine runs here to try them: .env.example against the configuration
 * schema, the compose file against the Compose Specification's JSON schema (dclint), the Dockerfile through
 * the VS Code Docker extension's validator (dockerfile-utils), and the three against each other.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const tempDir = mkdtempSync(join(tmpdir(), 'ainstruct-deploy-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

// --- .env.example -------------------------------------------------------------------------------------------

/** `NAME=value` lines, commented out (`# NAME=value`: the default, left alone) or not. */
function envExample(): Map<string, { value: string; commented: boolean }> {
  const entries = new Map<string, { value: string; commented: boolean }>();
  for (const line of read('.env.example').split('\n')) {
    const match = /^(# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[2]) continue;
    expect(entries.has(match[2]), `${match[2]} listed twice in .env.example`).toBe(false);
    entries.set(match[2], { value: match[3] ?? '', commented: match[1] !== undefined });
  }
  return entries;
}

/** Variables docker-compose.yml interpolates (`${NAME}`, `${NAME:-default}`, `${NAME:?message}`). */
function composeVariables(): Set<string> {
  return new Set(
    [...read('docker-compose.yml').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''),
  );
}

describe('.env.example', () => {
  const listed = envExample();

  it('lists every configuration variable and every variable docker-compose.yml reads, and nothing else', () => {
    const expected = new Set<string>([...CONFIG_KEYS, ...composeVariables()]);
    const missing = [...expected].filter((key) => !listed.has(key));
    const unknown = [...listed.keys()].filter((key) => !expected.has(key));
    expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
  });

  it("gives each configuration variable the schema's default (empty where there is none)", () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const wrong = CONFIG_KEYS.flatMap((key) => {
      const expected = defaults[key] === undefined ? '' : String(defaults[key]);
      const actual = listed.get(key)?.value;
      return actual === expected
        ? []
        : [`${key}: .env.example says "${actual}", the default is "${expected}"`];
    });
    expect(wrong).toEqual([]);
  });

  it('leaves uncommented only the variables that must be filled in (compose refuses to start without them)', () => {
    const required = [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]);
    const uncommented = [...listed].filter(([, entry]) => !entry.commented).map(([key]) => key);
    expect(uncommented.sort()).toEqual([...new Set(required)].sort());
  });
});

// --- docker-compose.yml -----------------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  env_file?: string[];
  expose?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

/** dclint's own rules that are matters of taste, switched off with the reason. */
const DCLINT_RULES = {
  // The file reads from the front (the app) to the back (its stores), not alphabetically.
  'services-alphabetical-order': 0,
  // It cannot see through `${PROXY_BIND:-127.0.0.1}`, which does name the interface.
  'no-unbound-port-interfaces': 0,
  'require-quotes-in-ports': [2, { quoteType: 'double' }],
} as const;

/** One finding of dclint (its .d.ts files use extensionless imports, which NodeNext resolution cannot follow). */
interface LintMessage {
  rule: string;
  line: number;
  message: string;
}

function lintCompose(path: string): LintMessage[] {
  const linter = new DCLinter({ rules: DCLINT_RULES, quiet: false, debug: false, exclude: [] });
  const results: { messages: LintMessage[] }[] = linter.lintFiles([path], false);
  return results.flatMap((result) => result.messages);
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema and passes dclint', () => {
    const messages = lintCompose(join(root, 'docker-compose.yml'));
    expect(messages.map((m) => `${m.line}: ${m.rule} ${m.message}`)).toEqual([]);
  });

  it('would catch a mistake (the schema check is really applied)', () => {
    const broken = join(tempDir, 'docker-compose.yml');
    writeFileSync(
      broken,
      read('docker-compose.yml').replace('    restart: unless-stopped', '    restrat: always'),
    );
    expect(lintCompose(broken).map((m) => m.rule)).toContain('invalid-schema');
  });

  it('runs two instances of the image, each with the shared stores and the proxy-related settings', () => {
    expect(appServices.map(([name]) => name)).toEqual(['app1', 'app2']);
    for (const [, service] of appServices) {
      const env = service.environment ?? {};
      // Every variable set for the app is one the app reads (a renamed variable would be silently ignored).
      expect(Object.keys(env).filter((key) => !(CONFIG_KEYS as string[]).includes(key))).toEqual([]);
      expect(env).toMatchObject({ TRUST_PROXY: 'true', PORT: '8000', REDIS_URL: 'redis://redis:6379/0' });
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(env.PUBLIC_URL).toBeDefined();
      expect(service.env_file).toEqual(['.env']);
      expect(Object.keys(service.depends_on ?? {}).sort()).toEqual(['postgres', 'redis']);
    }
    expect(compose.services.postgres?.image).toMatch(/^pgvector\/pgvector:pg1[6-9]$/);
    expect(compose.services.qdrant?.profiles).toEqual(['qdrant']);
  });
});

// --- deploy/nginx.conf ------------------------------------------------------------------------------------

describe('deploy/nginx.conf', () => {
  const nginx = read('deploy/nginx.conf').replace(/#.*$/gm, '');

  it('balances over exactly the app services, on the port they listen on', () => {
    const upstream = /upstream ainstruct \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    const servers = [...upstream.matchAll(/^\s*server ([\w.-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual(appServices.map(([name, service]) => `${name}:${service.environment?.PORT}`));
  });

  it('passes the X-Forwarded-* headers the instances trust, and streams MCP responses unbuffered', () => {
    for (const header of ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host']) {
      expect(nginx).toMatch(new RegExp(`proxy_set_header ${header} \\$`));
    }
    const mcp = /location \/mcp \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect(mcp).toMatch(/proxy_buffering off;/);
    expect(mcp).toMatch(/proxy_read_timeout \d+h;/);
  });

  it('is the file the proxy service mounts', () => {
    expect(compose.services.proxy?.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
  });
});

// --- Dockerfile -------------------------------------------------------------------------------------------

interface Stage {
  name: string | null;
  instructions: Instruction[];
}

function dockerfileStages(): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(read('Dockerfile')).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const name = instruction.getArguments()[2]?.getValue() ?? null;
      stages.push({ name, instructions: [] });
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

const args = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
const fromFlag = (instruction: Instruction) =>
  (instruction as ModifiableInstruction)
    .getFlags()
    .find((flag) => flag.getName() === 'from')
    ?.getValue();

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1) as Stage;
  const keyword = (stage: Stage, name: string) => stage.instructions.filter((i) => i.getKeyword() === name);

  it("has no problems by the VS Code Docker extension's validator", () => {
    const diagnostics = validateDockerfile(read('Dockerfile'));
    expect(diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds with dev dependencies in one stage and runs on production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const runs = (stage: Stage) => keyword(stage, 'RUN').map((i) => i.getArgumentsContent() ?? '');
    const buildStage = stages.find((stage) => runs(stage).some((run) => run.includes('npm run build')));
    const depsStage = stages.find((stage) => runs(stage).some((run) => run.includes('npm ci --omit=dev')));
    expect(buildStage?.name).toBeTruthy();
    expect(depsStage?.name).toBeTruthy();
    const copiedFrom = keyword(runtime, 'COPY').map((copy) => `${fromFlag(copy) ?? '.'} ${args(copy)[0]}`);
    // What the server reads at run time: its code and UI, its migrations, package.json (version), the
    // production node_modules (with the embedding model's weights).
    expect(copiedFrom).toEqual(
      expect.arrayContaining([
        `${depsStage?.name} /app/node_modules`,
        `${buildStage?.name} /app/dist`,
        '. migrations',
        '. package.json',
      ]),
    );
    expect(runs(runtime).join(' ')).not.toMatch(/npm (ci|install)(?! --omit=dev)/);
  });

  it('copies only files that exist and are not excluded from the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    for (const stage of stages) {
      for (const copy of keyword(stage, 'COPY').filter((c) => fromFlag(c) === undefined)) {
        for (const source of args(copy).slice(0, -1)) {
          expect(existsSync(join(root, source)), `${source} exists`).toBe(true);
          expect(ignored, `${source} is not in .dockerignore`).not.toContain(source);
        }
      }
    }
  });

  it('runs as a non-root user, exposes the port and checks /health', () => {
    const user = keyword(runtime, 'USER').at(-1);
    expect(user && args(user)[0]).toMatch(/^(?!root$|0$)\w+/);
    expect(keyword(runtime, 'EXPOSE').flatMap(args)).toEqual(['8000']);
    expect(
      keyword(runtime, 'ENV')
        .map((i) => i.getArgumentsContent())
        .join(' '),
    ).toMatch(/NODE_ENV=production/);
    const healthcheck = keyword(runtime, 'HEALTHCHECK')[0]?.getArgumentsContent() ?? '';
    expect(healthcheck).toMatch(/\/health/);
    expect(healthcheck).not.toMatch(/curl|wget/);
    expect(keyword(runtime, 'CMD')[0]?.getArgumentsContent()).toMatch(/dist\/cli\.js.*serve/);
  });
});
