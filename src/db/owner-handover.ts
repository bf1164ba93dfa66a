import { request } from 'node:http';
import { OWNER_KEY_HEADER, ownerAddress, readOwnerKey } from './data-dir-owner.js';

/**
 * Handing an embedded DATA_DIR over: `ainstruct serve` asks an `ainstruct mcp` that owns it (a desktop client's
 * process, which may live for days) to give it up rather than being refused. Only an `mcp` owner serves the
 * route; the owner key authorises it like every control request.
 */
export const HANDOVER_PATH = '/handover';

/**
 * Asks the owner of `dataDir` to hand it over; true once it agreed, which it does after its requests in flight
 * are answered and just before it closes the database. False when it refused, failed or did not agree within
 * `timeoutMs`: the request is then dropped, which tells the owner to carry on as before.
 */
export function requestHandover(dataDir: string, timeoutMs: number): Promise<boolean> {
  const key = readOwnerKey(dataDir);
  if (!key) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath: ownerAddress(dataDir),
        path: HANDOVER_PATH,
        method: 'POST',
        headers: { [OWNER_KEY_HEADER]: key, 'content-length': 0 },
      },
      (res) => {
        res.resume();
        clearTimeout(timer);
        resolve(res.statusCode === 200);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      resolve(false);
    }, timeoutMs);
    req.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    req.end();
  });
}
