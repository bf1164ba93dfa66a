import type { Config } from '../config.js';
import { DataDirInUseError } from '../db/data-dir-owner.js';
import { requestHandover } from '../db/owner-handover.js';
import { type RunningServer, startServer } from '../server.js';

/** How long `serve` waits for an `ainstruct mcp` to finish what it is doing (e.g. a big store) and hand over. */
const HANDOVER_DEADLINE_MS = 60_000;
/** How long, once it agreed, for it to close the database (it is committed then: giving up leaves no owner). */
const RELEASE_WAIT_MS = 30_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the server; when an `ainstruct mcp` owns the embedded DATA_DIR (a desktop client's process, alive as
 * long as the client), asks it to hand the directory over and starts once it has let go, instead of being
 * refused for as long as the client runs. That process then goes through this server, in the same session.
 * Any other owner, or one that does not let go in time, gives the usual DataDirInUseError.
 */
export async function startServerTakingOver(config: Config): Promise<RunningServer> {
  try {
    return await startServer(config);
  } catch (error) {
    const owner = error instanceof DataDirInUseError ? error.owner : undefined;
    if (!(error instanceof DataDirInUseError) || owner?.command !== 'mcp' || !owner.accepts_operations) {
      throw error;
    }
    process.stderr.write(`${error.message} Asking it to hand the database over…\n`);
    if (!(await requestHandover(error.dataDir, HANDOVER_DEADLINE_MS))) {
      process.stderr.write(`It did not hand over within ${HANDOVER_DEADLINE_MS / 1000} s.\n`);
      throw error;
    }
    // It answered just before closing the database: ownership is free once PGlite has shut down.
    const deadline = Date.now() + RELEASE_WAIT_MS;
    for (;;) {
      try {
        return await startServer(config);
      } catch (again) {
        if (!(again instanceof DataDirInUseError) || Date.now() > deadline) throw again;
        await sleep(200);
      }
    }
  }
}
