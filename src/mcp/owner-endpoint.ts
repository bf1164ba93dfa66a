import { OWNER_KEY_HEADER, ownerAddress, readOwnerKey } from '../db/data-dir-owner.js';
import { MCP_PATH } from './http.js';
import { ACT_AS_HEADER } from './owner-channel.js';
import { type McpEndpoint, socketFetch } from './stdio-bridge.js';
import type { StdioIdentity } from './stdio-identity.js';

/**
 * The MCP endpoint on the control socket of whichever process owns `dataDir`, for `identity`: the owner
 * verifies the token on every request, or acts as the `--user` (which only the owner key allows).
 */
export function ownerEndpoint(dataDir: string, identity: StdioIdentity, fallbackKey?: string): McpEndpoint {
  const toSocket = socketFetch(ownerAddress(dataDir));
  return {
    // The host is a placeholder: the request goes to the socket, not to a network address.
    url: new URL(`http://localhost${MCP_PATH}`),
    headers:
      'token' in identity
        ? { authorization: `Bearer ${identity.token}` }
        : { [ACT_AS_HEADER]: identity.user },
    // Each owner writes a new key when it starts: read it for every request, so forwarding keeps working when
    // the owner is restarted or replaced (requests made while none runs get an error answer, not a dead bridge).
    fetch: (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set(OWNER_KEY_HEADER, readOwnerKey(dataDir) ?? fallbackKey ?? '');
      return toSocket(url, { ...init, headers });
    },
    // Without the pid: after a restart another process answers.
    description: `the process owning ${dataDir}`,
  };
}
