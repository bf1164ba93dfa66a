import type { Config } from '../config.js';
import { openOperationRunner } from '../operations/runner.js';

/** `ainstruct migrate`: applies the migrations (here, or in the server owning DATA_DIR) and says which. */
export async function migrateDatabase(config: Config): Promise<string> {
  const runner = await openOperationRunner(config, 'migrate');
  try {
    const { applied } = await runner.run('migrate', {});
    return applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date';
  } finally {
    await runner.close();
  }
}
