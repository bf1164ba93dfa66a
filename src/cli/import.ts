import { stat } from 'node:fs/promises';
import type { Config } from '../config.js';
import { documentTypeFromPath } from '../ingest/document-types.js';
import { OperationError, openOperationRunner } from '../operations/runner.js';
import { readDocumentFile } from './document-file.js';
import { recordedRelative, walkFolder } from './folder-walk.js';
import { ProgressBar } from './progress.js';

export interface ImportSummary {
  stored: number;
  duplicates: number;
  skipped: number;
  failed: { path: string; error: string }[];
}

/**
 * Stores a folder of markdown, text and code files in a collection (created if missing), one document per file
 * through the `document.store` operation. Identical content already in the collection is skipped, so running it
 * again (after an interruption, say) stores only what is missing. A file written by `ainstruct export` gives
 * back its document as it was: its export front matter names the title, type and metadata, and the rest of the
 * file is the content.
 */
export async function importFolder(
  config: Config,
  args: { path: string; collection: string; user?: string | undefined; concurrency?: number },
): Promise<ImportSummary> {
  const root = args.path;
  if (!(await stat(root).catch(() => undefined))?.isDirectory())
    throw new Error(`${root} is not a directory`);
  const runner = await openOperationRunner(config, 'import');
  try {
    const target = await runner.run('import.begin', { collection: args.collection, user: args.user });
    const files: string[] = [];
    const summary: ImportSummary = { stored: 0, duplicates: 0, skipped: 0, failed: [] };
    for await (const path of walkFolder(root)) {
      if (documentTypeFromPath(path)) files.push(path);
      else summary.skipped += 1;
    }
    const progress = new ProgressBar('import', files.length);
    let done = 0;
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < files.length; index = next++) {
        const file = files[index];
        if (!file) continue;
        const rel = recordedRelative(root, file);
        try {
          const read = await readDocumentFile(file);
          if (read.kind === 'skip') {
            summary.skipped += 1;
          } else {
            const { duplicate } = await runner.run(
              'document.store',
              read.kind === 'exported'
                ? {
                    user: target.user,
                    collection_id: target.collection_id,
                    title: read.exported.title,
                    content: read.content,
                    document_type: read.exported.document_type,
                    metadata: read.exported.metadata,
                  }
                : {
                    user: target.user,
                    collection_id: target.collection_id,
                    // The server titles it: front matter `title:`, the first heading, else the file name.
                    fallback_title: read.fallbackTitle,
                    content: read.content,
                    document_type: read.type,
                    metadata: { source_path: rel },
                  },
            );
            if (duplicate) summary.duplicates += 1;
            else summary.stored += 1;
          }
        } catch (error) {
          // The server owning DATA_DIR went away: nothing after this can be stored, so stop here.
          if (error instanceof OperationError && error.code === 'OWNER_GONE') throw error;
          summary.failed.push({ path: rel, error: error instanceof Error ? error.message : String(error) });
        }
        done += 1;
        progress.update(done);
      }
    };
    await Promise.all(Array.from({ length: args.concurrency ?? 4 }, worker));
    progress.update(files.length);
    return summary;
  } finally {
    await runner.close();
  }
}

/** The line `ainstruct import` ends with. */
export function formatImportSummary(summary: ImportSummary): string {
  return (
    `Stored ${summary.stored}, already present ${summary.duplicates}, skipped ${summary.skipped}, ` +
    `failed ${summary.failed.length}`
  );
}
