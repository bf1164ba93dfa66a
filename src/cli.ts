#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createEmbeddedDatabaseFirst } from './cli/first-start.js';
import { importFolder } from './cli/import.js';
import { mcpCommand } from './cli/mcp.js';
import { rebuildVectors, reindex } from './cli/reindex.js';
import { userCreate, userPromote } from './cli/user-commands.js';
import { ConfigError, configReference, loadConfig } from './config.js';
import { DataDirInUseError } from './db/data-dir-owner.js';
import { OperationError, openOperationRunner } from './operations/runner.js';
import { startServer } from './server.js';
import { VERSION } from './version.js';

const USAGE = `ainstruct ${VERSION}

Usage:
  ainstruct serve                                     start the server (REST, MCP, web UI)
  ainstruct migrate                                   apply database migrations and exit
  ainstruct user create <username> <email> [--superuser]
                                                      create a user; password from a prompt or stdin
  ainstruct user promote <username|email>             make a user a superuser
  ainstruct import <folder> --collection <name> [--user <username>]
                                                      store a folder of markdown/text/code files
  ainstruct reindex [--force]                         re-embed every document with the configured model
                                                      (resumable; run it after changing the model)
  ainstruct reindex --vectors                         refill the vector store (Qdrant) from PostgreSQL
  ainstruct mcp [--user <username>] [--url <server>]  serve the MCP tools over stdio (for Claude Desktop,
                                                      Cursor, …) as AINSTRUCT_TOKEN or a local user
  ainstruct config                                    print every configuration variable (markdown)

Configuration comes from environment variables and .env; see the README.`;

async function serve(): Promise<void> {
  const config = loadConfig();
  await createEmbeddedDatabaseFirst(config);
  const server = await startServer(config);
  const mode =
    server.ctx.dbKind === 'pglite' ? `embedded database in ${server.ctx.config.DATA_DIR}` : 'PostgreSQL';
  server.app.log.info(`ainstruct ${VERSION} listening on ${server.url} (${mode})`);
  // Load the embedding model now rather than on the first request that needs it.
  void server.ctx.embedder
    .warmup?.()
    .catch((error: unknown) => server.app.log.warn({ err: error }, 'embedder warm-up failed'));
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
    options: {
      superuser: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      vectors: { type: 'boolean', default: false },
      collection: { type: 'string' },
      user: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
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
      const runner = await openOperationRunner(loadConfig(), 'migrate');
      try {
        const { applied } = await runner.run('migrate', {});
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
      } finally {
        await runner.close();
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
    case 'import': {
      if (!sub || rest.length > 0 || !values.collection) {
        throw new UsageError('import: expected "import <folder> --collection <name>"');
      }
      const summary = await importFolder(loadConfig(), {
        path: sub,
        collection: values.collection,
        user: values.user,
      });
      console.log(
        `Stored ${summary.stored}, already present ${summary.duplicates}, skipped ${summary.skipped}, ` +
          `failed ${summary.failed.length}`,
      );
      for (const failure of summary.failed) console.error(`  ${failure.path}: ${failure.error}`);
      if (summary.failed.length > 0) process.exitCode = 1;
      return;
    }
    case 'reindex':
      console.log(
        values.vectors
          ? await rebuildVectors(loadConfig())
          : await reindex(loadConfig(), { force: values.force ?? false }),
      );
      return;
    case 'mcp':
      return mcpCommand(loadConfig(), { user: values.user, url: values.url });
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
  else if (error instanceof DataDirInUseError) {
    console.error(
      `Error: ${error.message} Only one process may use an embedded database at a time: stop it, or start this ` +
        'server with another DATA_DIR (or use PostgreSQL through DATABASE_URL to run several servers).',
    );
  } else if (error instanceof OperationError) console.error(`Error: ${error.message}`);
  else if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
  else if (error instanceof Error) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
