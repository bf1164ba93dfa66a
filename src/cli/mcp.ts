import type { Config } from '../config.js';
import { DataDirInUseError, type OwnerInfo, readOwnerKey } from '../db/data-dir-owner.js';
import { syncStderr } from '../http/request-log.js';
import { MCP_PATH } from '../mcp/http.js';
import { ownerEndpoint } from '../mcp/owner-endpoint.js';
import { buildTools } from '../mcp/server.js';
import { serveMcpOverStdio } from '../mcp/stdio.js';
import { bridgeStdio, checkEndpoint, type McpEndpoint } from '../mcp/stdio-bridge.js';
import { describeIdentity, resolveIdentity, type StdioIdentity } from '../mcp/stdio-identity.js';
import { OperationError } from '../operations/runner.js';
import { startServer } from '../server.js';
import { createEmbeddedDatabaseFirst } from './first-start.js';
import { type HandoverInput, handoverRoute } from './mcp-handover.js';

/**
 * `ainstruct mcp`: the MCP tools over stdin/stdout for clients that launch a local process. Three ways to
 * reach the tools, all serving the same per-caller tool set:
 * - `--url`: a bridge to a remote server's /mcp, the token as bearer;
 * - the local database nobody else has open (PostgreSQL, or an embedded DATA_DIR nobody owns): the tools run
 *   in this process, which owns DATA_DIR while it runs (so other commands reach it like a server);
 * - an embedded DATA_DIR owned by a running server: a bridge to that server's control socket (see `viaOwner`).
 */

export interface McpCommandOptions {
  user?: string | undefined;
  url?: string | undefined;
}

const STARTING_WAIT_MS = 180_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function identityFrom(options: McpCommandOptions, token: string | undefined): StdioIdentity {
  if (options.user && token) {
    throw new OperationError(400, 'USAGE', 'Give either --user or AINSTRUCT_TOKEN, not both');
  }
  if (options.user) return { user: options.user };
  if (token) return { token };
  throw new OperationError(
    400,
    'USAGE',
    'mcp needs an identity: set AINSTRUCT_TOKEN to a personal or collection access token, or (on the local ' +
      'database only) name a local user with --user <username>',
  );
}

/** Serves until the client closes stdin, then exits. Errors before serving are thrown (exit code 1). */
export async function mcpCommand(config: Config, options: McpCommandOptions): Promise<void> {
  // Stdout is the protocol channel: nothing else may ever write to it, not even a stray console.log.
  console.log = console.error;
  console.info = console.error;
  const identity = identityFrom(options, config.AINSTRUCT_TOKEN);
  if (options.url) {
    if (!('token' in identity)) {
      throw new OperationError(
        400,
        'USAGE',
        '--user works only on the local database; with --url set AINSTRUCT_TOKEN',
      );
    }
    const endpoint = remoteEndpoint(options.url, identity.token);
    await checkEndpoint(endpoint);
    await bridgeStdio(endpoint);
    return process.exit(0);
  }
  await createEmbeddedDatabaseFirst(config);
  const deadline = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    try {
      return await inProcess(config, identity);
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      const owner = error.owner;
      if (owner?.accepts_operations) return viaOwner(error.dataDir, owner, identity);
      // A server (or another `ainstruct mcp`) that is starting will accept requests soon; anything else holds
      // the directory for a one-off job.
      const starting = owner === undefined || owner.command === 'serve' || owner.command === 'mcp';
      if (!starting || Date.now() > deadline) {
        throw new OperationError(
          409,
          'DATA_DIR_IN_USE',
          `${error.message} Try again once it is ready or done.`,
        );
      }
      await sleep(500);
    }
  }
}

function remoteEndpoint(url: string, token: string): McpEndpoint {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new OperationError(400, 'USAGE', `--url: "${url}" is not a URL`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new OperationError(400, 'USAGE', '--url must be an http(s):// address');
  }
  if (base.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(base.hostname)) {
    process.stderr.write('ainstruct mcp: warning: --url is plain http; the token travels unencrypted\n');
  }
  // Accept the server's base address or its /mcp endpoint.
  const mcp = base.pathname.replace(/\/+$/, '').endsWith(MCP_PATH)
    ? base
    : new URL(`${base.pathname.replace(/\/+$/, '')}${MCP_PATH}`, base);
  return { url: mcp, headers: { authorization: `Bearer ${token}` }, description: mcp.origin };
}

/**
 * The tools in this process, on the configured database (owning an embedded DATA_DIR as `mcp`). A `serve` on
 * the same DATA_DIR may ask for it (see mcp-handover.ts): the session then goes on through that server.
 */
async function inProcess(config: Config, identity: StdioIdentity): Promise<void> {
  let handover: HandoverInput | undefined;
  const server = await startServer(config, {
    listen: false,
    command: 'mcp',
    logStream: syncStderr(),
    control: handoverRoute(() => handover),
  });
  let closing: Promise<void> | undefined;
  // Once: by a handover, then again when the client closes stdin or a signal comes.
  const closeServer = () => {
    closing ??= server
      .close()
      .catch((error: unknown) => server.app.log.error({ err: error }, 'closing failed'));
    return closing;
  };
  const close = async (code: number) => {
    await closeServer();
    process.exit(code);
  };
  let principal: Awaited<ReturnType<typeof resolveIdentity>>;
  const deps = { authenticator: server.ctx.authenticator, services: server.services };
  try {
    principal = await resolveIdentity(deps, identity);
  } catch (error) {
    await server.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new OperationError(401, 'IDENTITY_REFUSED', `${describeIdentity(identity)} was refused: ${reason}`);
  }
  process.on('SIGINT', () => void close(0));
  process.on('SIGTERM', () => void close(0));
  const session = serveMcpOverStdio({
    principal,
    identify: () => resolveIdentity(deps, identity),
    deps: { services: server.services, config, log: server.app.log },
    tools: buildTools(config),
  });
  // Only an embedded DATA_DIR can be handed over; PostgreSQL has no single owner.
  const dataDir = server.ctx.dbKind === 'pglite' ? server.ctx.config.DATA_DIR : undefined;
  if (dataDir) handover = { dataDir, identity, transport: session.transport, closeServer };
  await session.closed;
  await close(0);
}

/**
 * A server owns the embedded DATA_DIR, so this process must not open its files. It reaches the server the way
 * every command-line operation does, over the owner's control socket, rather than over its HTTP address: the
 * socket is always there (HTTP may listen on an address, behind a proxy or with a PUBLIC_URL this process
 * cannot know), it is reserved to whoever may read the database files (the owner key), and it is what lets
 * `--user` act as a local user through the owner, which no HTTP credential can. The server verifies a token
 * on every request exactly as on /mcp.
 */
async function viaOwner(dataDir: string, owner: OwnerInfo, identity: StdioIdentity): Promise<void> {
  const key = readOwnerKey(dataDir);
  const who = owner.command === 'serve' ? 'the server' : `\`ainstruct ${owner.command}\``;
  const where = `${who} owning ${dataDir} (pid ${owner.pid})`;
  if (!key) {
    throw new OperationError(
      403,
      'OWNER_KEY_UNREADABLE',
      `Cannot read ${dataDir}/owner.json: run this as the user who runs ${where}`,
    );
  }
  const endpoint = ownerEndpoint(dataDir, identity, key);
  await checkEndpoint(endpoint);
  process.stderr.write(`ainstruct mcp: serving through ${where}\n`);
  await bridgeStdio(endpoint);
  process.exit(0);
}
