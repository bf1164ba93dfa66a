import { Command, Option } from 'commander';
import { configReference, loadConfig } from '../config.js';
import { VERSION } from '../version.js';
import { backupCommand, restoreCommand } from './backup.js';
import { type ExportFormat, exportCollection } from './export.js';
import { formatImportSummary, importFolder } from './import.js';
import { mcpCommand } from './mcp.js';
import { migrateDatabase } from './migrate.js';
import { rebuildVectors, reindex } from './reindex.js';
import { serve } from './serve.js';
import { formatPlan, formatSyncSummary, type SyncSummary, syncFolder } from './sync.js';
import { watchFolder } from './sync-watch.js';
import { UsageError } from './usage-error.js';
import { userCreate, userPromote } from './user-commands.js';

/** Every command in one line each, after the generated help: what a reader scans for first. */
const OVERVIEW = `
Commands in full:
  ainstruct serve                                     start the server (REST, MCP, web UI)
  ainstruct migrate                                   apply database migrations and exit
  ainstruct user create <username> <email> [--superuser]
                                                      create a user; password from a prompt or stdin
  ainstruct user promote <username|email>             make a user a superuser
  ainstruct import <folder> --collection <name> [--user <username>]
                                                      store a folder of markdown/text/code files
  ainstruct sync <folder> --collection <name> [--user <username>] [--delete] [--dry-run] [--watch]
                 [--url <server> --token <token>]
                                                      mirror a folder into a collection by path: store new
                                                      files, update changed ones in place, skip unchanged
                                                      ones, delete removed ones with --delete
  ainstruct export <folder|file> --collection <name> [--user <username>] [--format files|jsonl]
                                                      write a collection's documents: files with front
                                                      matter (import reads them back), or JSON lines
                                                      (to stdout when the target is -)
  ainstruct reindex [--force]                         re-embed every document with the configured model
                                                      (resumable; run it after changing the model)
  ainstruct reindex --vectors                         refill the vector store (Qdrant) from PostgreSQL
  ainstruct mcp [--user <username>] [--url <server>]  serve the MCP tools over stdio (for Claude Desktop,
                                                      Cursor, …) as AINSTRUCT_TOKEN or a local user
  ainstruct backup <file> [--force]                   snapshot the embedded database (also while serving)
  ainstruct restore <file> [--force]                  replace the embedded database from a backup
                                                      (server stopped; PostgreSQL: pg_dump/pg_restore)
  ainstruct config                                    print every configuration variable (markdown)

Run "ainstruct <command> --help" for a command's options.
Configuration comes from environment variables and .env; see the README.`;

/**
 * The command line: each command's arguments and options, and the function it calls (the work lives in those
 * functions and the services behind them). Parse errors throw CommanderError after commander has printed them;
 * an unknown command throws UsageError.
 */
export function buildProgram(): Command {
  const program = new Command('ainstruct')
    .description('Document memory for AI agents: REST API, MCP server and web UI')
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', OVERVIEW);
  program.on('command:*', (operands: string[]) => {
    throw new UsageError(`Unknown command "${operands[0] ?? ''}"`);
  });

  program
    .command('serve')
    .description('start the server (REST, MCP, web UI)')
    .action(() => serve(loadConfig()));

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => console.log(await migrateDatabase(loadConfig())));

  const user = program.command('user').description('create users and make superusers');
  user.on('command:*', (operands: string[]) => {
    throw new UsageError(
      `user: unknown command "${operands[0] ?? ''}"; expected "create" or "promote"`,
      user.helpInformation(),
    );
  });
  user
    .command('create')
    .description('create a user; the password comes from a prompt, or the first line of stdin')
    .argument('<username>')
    .argument('<email>')
    .option('--superuser', 'make the user a superuser', false)
    .action(async (username: string, email: string, options: { superuser: boolean }) =>
      console.log(await userCreate(loadConfig(), { username, email, superuser: options.superuser })),
    );
  user
    .command('promote')
    .description('make a user a superuser')
    .argument('<login>', 'username or email')
    .action(async (login: string) => console.log(await userPromote(loadConfig(), login)));

  program
    .command('import')
    .description('store a folder of markdown, text and code files in a collection (created if missing)')
    .argument('<folder>')
    .requiredOption('--collection <name>', 'the collection to store into')
    .option('--user <username>', 'the owning user (default: the only user)')
    .action(async (folder: string, options: { collection: string; user?: string }) => {
      const summary = await importFolder(loadConfig(), {
        path: folder,
        collection: options.collection,
        user: options.user,
      });
      console.log(formatImportSummary(summary));
      for (const failure of summary.failed) console.error(`  ${failure.path}: ${failure.error}`);
      if (summary.failed.length > 0) process.exitCode = 1;
    });

  program
    .command('sync')
    .description(
      'mirror a folder into a collection, documents keyed by their relative path (metadata source_path): ' +
        'new files are stored, changed ones updated in place, unchanged ones cost nothing',
    )
    .argument('<folder>')
    .requiredOption('--collection <name>', 'the collection to sync into (created if missing)')
    .option('--user <username>', 'the owning user (local database; default: the only user)')
    .option('--delete', 'delete the documents of files no longer in the folder', false)
    .option('--dry-run', 'print what would be stored, updated, deleted or left, and change nothing', false)
    .option('--watch', 'keep syncing as files change (until Ctrl-C)', false)
    .option('--url <server>', 'sync into a remote server over its REST API')
    .option('--token <token>', 'with --url: a PAT or read_write collection access token (or AINSTRUCT_TOKEN)')
    .action(
      async (
        folder: string,
        options: {
          collection: string;
          user?: string;
          delete: boolean;
          dryRun: boolean;
          watch: boolean;
          url?: string;
          token?: string;
        },
      ) => {
        const sync = {
          path: folder,
          collection: options.collection,
          user: options.user,
          url: options.url,
          token: options.token,
          deleteMissing: options.delete,
          dryRun: options.dryRun,
        };
        const report = (summary: SyncSummary) => {
          console.log(formatSyncSummary(summary, options.dryRun));
          for (const failure of summary.failed) console.error(`  ${failure.path}: ${failure.error}`);
        };
        if (options.watch) {
          if (options.dryRun) throw new UsageError('sync: --watch and --dry-run do not go together');
          return watchFolder(loadConfig(), sync, report);
        }
        const summary = await syncFolder(loadConfig(), sync);
        if (options.dryRun) for (const line of formatPlan(summary.plan)) console.log(line);
        report(summary);
        if (summary.failed.length > 0) process.exitCode = 1;
      },
    );

  program
    .command('export')
    .description(
      "write every document of a collection: files named by their recorded path with the document's " +
        'metadata as front matter (ainstruct import reads them back), or JSON lines',
    )
    .argument(
      '<target>',
      'folder (files: new or empty), file (jsonl: not overwritten), or - for stdout (jsonl)',
    )
    .requiredOption('--collection <name>', 'the collection to export')
    .option('--user <username>', 'the owning user (default: the only user)')
    .addOption(new Option('--format <format>', 'files or jsonl').choices(['files', 'jsonl']).default('files'))
    .action(async (target: string, options: { collection: string; user?: string; format: ExportFormat }) => {
      if (target === '-' && options.format !== 'jsonl') {
        throw new UsageError(
          'export: - (stdout) takes --format jsonl',
          program.commands.find((c) => c.name() === 'export')?.helpInformation(),
        );
      }
      const summary = await exportCollection(loadConfig(), { ...options, target });
      // With the lines on stdout, the summary goes to stderr.
      const report = target === '-' ? console.error : console.log;
      report(
        `Exported ${summary.written} documents of "${summary.collection}", failed ${summary.failed.length}`,
      );
      for (const failure of summary.failed)
        console.error(`  ${failure.id} (${failure.title}): ${failure.error}`);
      if (summary.failed.length > 0) process.exitCode = 1;
    });

  program
    .command('reindex')
    .description('re-embed every document with the configured model (resumable)')
    .option('--force', 're-embed even when the vectors already come from the configured model', false)
    .addOption(
      new Option('--vectors', 'refill the vector store (Qdrant) from PostgreSQL instead').default(false),
    )
    .action(async (options: { force: boolean; vectors: boolean }) =>
      console.log(
        options.vectors
          ? await rebuildVectors(loadConfig())
          : await reindex(loadConfig(), { force: options.force }),
      ),
    );

  program
    .command('mcp')
    .description('serve the MCP tools over stdio for local clients, as AINSTRUCT_TOKEN or a local user')
    .option('--user <username>', 'act as this local user (local database only)')
    .option('--url <server>', "bridge to a remote server's /mcp with AINSTRUCT_TOKEN")
    .action((options: { user?: string; url?: string }) => mcpCommand(loadConfig(), options));

  program
    .command('backup')
    .description('write a snapshot of the embedded database to a file (also while the server runs)')
    .argument('<file>', 'the backup to write (not overwritten without --force)')
    .option('--force', 'overwrite an existing file', false)
    .action(async (file: string, options: { force: boolean }) =>
      console.log(await backupCommand(loadConfig(), { file, force: options.force })),
    );

  program
    .command('restore')
    .description('replace the embedded database in DATA_DIR with a backup (the server must be stopped)')
    .argument('<file>', 'a file written by ainstruct backup')
    .option('--force', 'replace the database DATA_DIR holds already', false)
    .action(async (file: string, options: { force: boolean }) =>
      console.log(await restoreCommand(loadConfig(), { file, force: options.force })),
    );

  program
    .command('config')
    .description('print every configuration variable (markdown)')
    .action(() => console.log(configReference()));

  return program;
}
