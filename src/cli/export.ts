import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import type { Config } from '../config.js';
import type { ExportLine } from '../modules/export/export.schemas.js';
import { type OperationRunner, openOperationRunner } from '../operations/runner.js';
import { renderExportFile } from './export-envelope.js';
import { ExportPaths } from './export-paths.js';

export type ExportFormat = 'files' | 'jsonl';

export interface ExportSummary {
  collection: string;
  written: number;
  failed: { id: string; title: string; error: string }[];
}

/** Every document of the collection, page by page through the `export.page` operation. */
async function* documentsOf(runner: OperationRunner, user: string, collectionId: string) {
  let after: { created_at: string; id: string } | undefined;
  for (;;) {
    const page = await runner.run('export.page', { user, collection_id: collectionId, after });
    yield* page.lines as ExportLine[];
    if (!page.next) return;
    after = page.next;
  }
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** A folder to export into: created if missing, refused unless empty (nothing in it is overwritten or followed). */
async function emptyFolder(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  const entries = await readdir(path);
  if (entries.length > 0) throw new Error(`${path} is not empty; export into a new or empty folder`);
  return resolve(path);
}

/**
 * Writes the lines to a temporary file beside `target` and links it into place only once every line is on disk,
 * so a failed export (database gone, disk full, Ctrl-C) never leaves a partial file under the name asked for.
 * An existing file is not overwritten: it is refused before any work, and `link` refuses it atomically if one
 * appeared meanwhile.
 */
async function writeJsonlFile(target: string, lines: AsyncIterable<ExportLine>): Promise<number> {
  if (await stat(target).catch(() => undefined)) throw new Error(`${target} exists; export into a new file`);
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  const out = createWriteStream(partial, { flags: 'wx' });
  await once(out, 'open');
  let written = 0;
  try {
    try {
      for await (const line of lines) {
        await write(out, `${JSON.stringify(line)}\n`);
        written += 1;
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    await link(partial, target);
    return written;
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * `ainstruct export`: writes a collection's documents as files with export front matter (see
 * export-envelope.ts), which `ainstruct import` reads back to the same content and metadata, or as JSON lines
 * to a file or (target `-`) to stdout.
 */
export async function exportCollection(
  config: Config,
  args: { collection: string; user?: string | undefined; format: ExportFormat; target: string },
): Promise<ExportSummary> {
  const runner = await openOperationRunner(config, 'export');
  try {
    const source = await runner.run('export.begin', { collection: args.collection, user: args.user });
    const summary: ExportSummary = { collection: source.name, written: 0, failed: [] };
    const documents = documentsOf(runner, source.user, source.collection_id);
    if (args.format === 'jsonl') {
      if (args.target === '-') {
        for await (const line of documents) {
          await write(process.stdout, `${JSON.stringify(line)}\n`);
          summary.written += 1;
        }
        return summary;
      }
      summary.written = await writeJsonlFile(args.target, documents);
      return summary;
    }
    const root = await emptyFolder(args.target);
    const paths = new ExportPaths();
    for await (const line of documents) {
      const file = renderExportFile(line);
      if (file === undefined) {
        summary.failed.push({
          id: line.id,
          title: line.title,
          error:
            'its metadata does not read back exactly as front matter (too large, or a key such as __proto__); export it with --format jsonl',
        });
        continue;
      }
      const target = join(root, paths.choose(line));
      // ExportPaths only hands out safe relative names; this keeps it so if that ever changed.
      if (!target.startsWith(root + sep)) throw new Error(`refusing to write outside ${root}: ${target}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file, { encoding: 'utf8', flag: 'wx' });
      summary.written += 1;
    }
    return summary;
  } finally {
    await runner.close();
  }
}
