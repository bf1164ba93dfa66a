#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { UsageError } from './cli/usage-error.js';
import { ConfigError } from './config.js';
import { DataDirInUseError } from './db/data-dir-owner.js';
import { OperationError } from './operations/runner.js';

const program = buildProgram();

async function main(argv: string[]): Promise<void> {
  // No command at all starts the server, so `npx ainstruct` is the whole launch; --help has the overview.
  await program.parseAsync(argv.length === 0 ? ['serve'] : argv, { from: 'user' });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Commander has printed its own message (or the help, or the version) already.
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof DataDirInUseError) {
    console.error(
      `Error: ${error.message} Only one process may use an embedded database at a time: stop it, or start this ` +
        'server with another DATA_DIR (or use PostgreSQL through DATABASE_URL to run several servers).',
    );
  } else if (error instanceof OperationError) console.error(`Error: ${error.message}`);
  else if (error instanceof UsageError)
    console.error(`${error.message}\n\n${error.help ?? program.helpInformation()}`);
  else if (error instanceof Error) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
