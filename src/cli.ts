#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { userCreate, userPromote } from './cli/user-commands.js';
import { ConfigError, configReference, loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { openConfiguredDatabase, startServer } from './server.js';
import { VERSION } from './version.js';

const USAGE = `ainstruct ${VERSION}

Usage:
  ainstruct serve                                     start the server (REST, MCP, web UI)
  ainstruct migrate                                   apply database migrations and exit
  ainstruct user create <username> <email> [--superuser]
                                                      create a user; password from a prompt or stdin
  ainstruct user promote <username|email>             make a user a superuser
  ainstruct config                                    print every configuration variable (markdown)

Configuration comes from environment variables and .env; see the README.`;

async function serve(): Promise<void> {
  const server = await startServer(loadConfig());
  const mode = server.ctx.dbKind === 'pglite' ? `embedded database in ${server.ctx.config.DATA_DIR}` : 'PostgreSQL';
  server.app.log.info(`ainstruct ${VERSION} listening on ${server.url} (${mode})`);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    server.app.log.info(`${signal} received, shutting down`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { superuser: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'serve':
      return serve();
    case 'migrate': {
      const config = loadConfig();
      const handle = await openConfiguredDatabase(config);
      try {
        const applied = await migrate(handle.db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
      } finally {
        await handle.close();
      }
      return;
    }
    case 'user': {
      const config = loadConfig();
      if (sub === 'create' && rest.length === 2) {
        const [username = '', email = ''] = rest;
        console.log(await userCreate(config, { username, email, superuser: values.superuser ?? false }));
        return;
      }
      if (sub === 'promote' && rest.length === 1) {
        console.log(await userPromote(config, rest[0] ?? ''));
        return;
      }
      throw new UsageError('user: expected "create <username> <email>" or "promote <username>"');
    }
    case 'config':
      console.log(configReference());
      return;
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof Error) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
