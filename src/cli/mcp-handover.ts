import type { IncomingMessage } from 'node:http';
import { type ControlHandler, fetchOwner, sendJson } from '../db/data-dir-owner.js';
import { HANDOVER_PATH } from '../db/owner-handover.js';
import type { HandoverTransport } from '../mcp/handover-transport.js';
import { ownerEndpoint } from '../mcp/owner-endpoint.js';
import type { StdioIdentity } from '../mcp/stdio-identity.js';

/** How long the stdio session waits for the new owner to accept requests (queueing them) before forwarding. */
const NEW_OWNER_WAIT_MS = 180_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface HandoverInput {
  dataDir: string;
  identity: StdioIdentity;
  transport: HandoverTransport;
  /** Closes the in-process server and the database, which gives up DATA_DIR. */
  closeServer: () => Promise<void>;
}

/**
 * `POST /handover` on the control socket of an `ainstruct mcp` owning DATA_DIR (see owner-handover.ts). The
 * stdio session is held (new messages queue), the requests in flight finish, the answer is sent, the database
 * is closed, and once the new owner accepts requests the same session goes on through it. The answer comes
 * before closing rather than after because giving up ownership closes this very socket, answer and all; the
 * asker waits for the directory to be free. An asker that gives up before the answer (its deadline passed while
 * a long write ran here) drops the request, and this process carries on as the owner.
 */
export function handoverRoute(input: () => HandoverInput | undefined) {
  let handing = false;
  return (request: IncomingMessage): ControlHandler | undefined => {
    if ((request.url ?? '').split('?')[0] !== HANDOVER_PATH) return undefined;
    return (_request, response) => {
      const ready = input();
      if (request.method !== 'POST' || !ready || handing) {
        const message = handing ? 'A handover is already under way' : 'Not ready to hand over';
        return sendJson(response, 409, { error: { code: 'HANDOVER_REFUSED', message } });
      }
      handing = true;
      let calledOff = false;
      response.once('close', () => {
        if (!response.writableFinished) calledOff = true;
      });
      void (async () => {
        await ready.transport.hold();
        if (calledOff) {
          handing = false;
          ready.transport.resume();
          return;
        }
        await new Promise<void>((resolve) => {
          response.once('finish', resolve);
          response.once('close', resolve);
          sendJson(response, 200, { handed_over: true });
        });
        process.stderr.write(`ainstruct mcp: handing ${ready.dataDir} over to the server\n`);
        await ready.closeServer();
        await waitForNewOwner(ready.dataDir);
        await ready.transport.switchTo(ownerEndpoint(ready.dataDir, ready.identity));
        process.stderr.write(`ainstruct mcp: serving through the process owning ${ready.dataDir}\n`);
      })().catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        process.stderr.write(`ainstruct mcp: handover failed: ${reason}\n`);
      });
    };
  };
}

/**
 * Until another process owns DATA_DIR and accepts requests (the server starting). If none does in time, the
 * session forwards anyway: requests get error answers until an owner runs, as in a bridge whose server stopped.
 */
async function waitForNewOwner(dataDir: string): Promise<void> {
  const deadline = Date.now() + NEW_OWNER_WAIT_MS;
  while (Date.now() < deadline) {
    const owner = await fetchOwner(dataDir);
    if (owner && owner.pid !== process.pid && owner.accepts_operations) return;
    await sleep(200);
  }
}
