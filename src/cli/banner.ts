import { resolve } from 'node:path';

export interface BannerFacts {
  version: string;
  /** Where the server answers, e.g. http://127.0.0.1:8000. */
  url: string;
  /** The embedded database's folder, or undefined in server mode (PostgreSQL through DATABASE_URL). */
  dataDir: string | undefined;
  /** How the user launched the CLI (`ainstruct`, `npx ainstruct`, `npm run cli --`), for the commands shown. */
  command: string;
}

/** The fields of the structured "listening" log line: the same facts as the banner, for log parsers. */
export function startupFields(facts: BannerFacts): Record<string, string> {
  return {
    url: facts.url,
    mcp: `${facts.url}/mcp`,
    database: facts.dataDir === undefined ? 'postgresql' : 'embedded',
    ...(facts.dataDir === undefined ? {} : { dataDir: resolve(facts.dataDir) }),
  };
}

/** What a person at a terminal reads once the server listens: where it is, where the data is, what to do next. */
export function startupBanner(facts: BannerFacts): string {
  const data = facts.dataDir === undefined ? 'PostgreSQL (DATABASE_URL)' : resolve(facts.dataDir);
  return [
    '',
    `  ainstruct ${facts.version} is running`,
    '',
    `  Web UI   ${facts.url}`,
    `  MCP      ${facts.url}/mcp`,
    `  Data     ${data}`,
    '',
    '  Next steps',
    '    1. Create an administrator (from another terminal; the password is prompted for):',
    `         ${facts.command} user create <name> <email> --superuser`,
    `    2. Open ${facts.url} and log in.`,
    `    3. Connect an MCP client (Claude, Cursor, …) to ${facts.url}/mcp`,
    '',
    '  Stop with Ctrl+C.',
    '',
    '',
  ].join('\n');
}

/** `npx ainstruct` when npx started this process (npm sets npm_command=exec), else the plain command name. */
export function launchCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_command === 'exec' ? 'npx ainstruct' : 'ainstruct';
}
