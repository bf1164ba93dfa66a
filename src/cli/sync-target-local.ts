import type { Config } from '../config.js';
import type { ManifestEntry } from '../modules/sync/sync.schemas.js';
import { OperationError, openOperationRunner } from '../operations/runner.js';
import type { SyncTarget } from './sync-target.js';

/** This installation's database, through the sync operations (in this process, or in the server owning it). */
export async function localSyncTarget(config: Config, user: string | undefined): Promise<SyncTarget> {
  const runner = await openOperationRunner(config, 'sync');
  let target: { user: string; collection_id: string } | undefined;
  const resolved = () => {
    if (!target) throw new Error('begin() first');
    return target;
  };
  return {
    async begin(collection, { create }) {
      const begun = await runner.run('sync.begin', { collection, user, create }).catch((error: unknown) => {
        if (!create && error instanceof OperationError && error.code === 'COLLECTION_NOT_FOUND')
          return undefined;
        throw error;
      });
      if (!begun) return undefined;
      target = { user: begun.user, collection_id: begun.collection_id };
      return { name: begun.name };
    },
    async *manifest(): AsyncGenerator<ManifestEntry> {
      let after: string | undefined;
      for (;;) {
        const page = await runner.run('sync.manifest', { ...resolved(), after, limit: 1000 });
        yield* page.entries;
        if (!page.next) return;
        after = page.next;
      }
    },
    put: (body) => runner.run('sync.put', { ...resolved(), ...body }),
    remove: (documentId) => runner.run('sync.remove', { ...resolved(), document_id: documentId }),
    fatal: (error) =>
      !(error instanceof OperationError) || error.code === 'OWNER_GONE' || error.status >= 500,
    close: () => runner.close(),
  };
}
