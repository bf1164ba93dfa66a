import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { safeEqual } from '../auth/secrets.js';
import { VERSION } from '../version.js';

/**
 * Exactly one process owns an embedded DATA_DIR (PGlite is single-process: a second one opening the same files
 * would serve a diverging copy and lose writes). Ownership is a listening local socket, which the kernel gives
 * to one process at a time and takes back the instant that process dies, `kill -9` included: nothing stale can
 * be left behind. On Linux it is an abstract-namespace socket named after the directory's real path (no file at
 * all); on Windows a named pipe; elsewhere a socket file, taken over when nothing answers on it.
 *
 * The same socket is the owner's control channel: `GET /owner` says who owns the directory (no secret needed,
 * so a refused second server can name the owner), and the owner may serve command-line operations on it
 * (`ainstruct user create` while a server runs), authorised by a key in `DATA_DIR/owner.json` (mode 0600):
 * whoever may read the database files may run commands on it, nobody else.
 */

export const OWNER_FILE = 'owner.json';
export const OWNER_KEY_HEADER = 'x-ainstruct-owner-key';

export interface OwnerInfo {
  pid: number;
  /** The command holding the directory: `serve`, `import`, `migrate`, … */
  command: string;
  version: string;
  started_at: string;
  /** The HTTP address of a serving owner, once it listens. */
  url?: string | undefined;
  /** True once the owner runs command-line operations for other processes (a ready server). */
  accepts_operations: boolean;
}

/** Handles one authorised control request (anything but `GET /owner`). */
export type ControlHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface DataDirOwnership {
  readonly dataDir: string;
  readonly info: OwnerInfo;
  /** Announces the server's URL in `GET /owner`. */
  setUrl(url: string): void;
  /** Starts answering control requests with `handler`. */
  serve(handler: ControlHandler): void;
  /** Gives the directory up (closing the socket); safe to call twice. */
  release(): Promise<void>;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: OwnerInfo | undefined,
  ) {
    super(inUseMessage(dataDir, owner));
    this.name = 'DataDirInUseError';
  }
}

function inUseMessage(dataDir: string, owner: OwnerInfo | undefined): string {
  if (!owner) return `The embedded database in ${dataDir} is in use by another ainstruct process.`;
  const what =
    owner.command === 'serve'
      ? `a running server (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ', starting'})`
      : `\`ainstruct ${owner.command}\` (pid ${owner.pid})`;
  return `The embedded database in ${dataDir} is owned by ${what}.`;
}

/** The kernel object that stands for the directory: the same for every spelling of its path. */
export function ownerAddress(dataDir: string): string {
  const real = realpathSync(dataDir);
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 32);
  if (process.platform === 'linux') return `\0ainstruct-owner-${hash}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\ainstruct-owner-${hash}`;
  // Socket paths are limited to ~104 bytes on macOS and the BSDs.
  const inDir = join(real, 'owner.sock');
  return inDir.length < 100 ? inDir : join(tmpdir(), `ainstruct-owner-${hash}.sock`);
}

const usesSocketFile = (address: string) => !address.startsWith('\0') && !address.startsWith('\\\\');

function listen(server: Server, address: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePromise();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address);
  });
}

/** True when something accepts connections on a socket file (else the file is left over from a dead owner). */
function answers(address: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect(address);
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown }).code as string | undefined;
}

/**
 * Takes ownership of `dataDir` for `command`, or throws DataDirInUseError naming the owner. Must be called
 * before anything opens the database files.
 */
export async function claimDataDir(dataDir: string, command: string): Promise<DataDirOwnership> {
  mkdirSync(dataDir, { recursive: true });
  const dir = resolve(dataDir);
  const address = ownerAddress(dir);
  const key = randomBytes(32).toString('hex');
  const info: OwnerInfo = {
    pid: process.pid,
    command,
    version: VERSION,
    started_at: new Date().toISOString(),
    accepts_operations: false,
  };
  let handler: ControlHandler | undefined;

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/owner') return sendJson(res, 200, info);
    const given = req.headers[OWNER_KEY_HEADER];
    if (typeof given !== 'string' || !safeEqual(given, key)) {
      return sendJson(res, 401, { error: { code: 'OWNER_KEY_INVALID', message: 'Invalid owner key' } });
    }
    if (!handler) {
      return sendJson(res, 503, {
        error: { code: 'OWNER_BUSY', message: inUseMessage(dir, info) },
      });
    }
    handler(req, res);
  });

  try {
    await listen(server, address);
  } catch (error) {
    if (errorCode(error) !== 'EADDRINUSE') throw error;
    if (usesSocketFile(address) && !(await answers(address))) {
      // Left by an owner that died; nobody answers on it, so it can be replaced.
      rmSync(address, { force: true });
      server.close(() => {});
      await listen(server, address).catch(async (again: unknown) => {
        if (errorCode(again) === 'EADDRINUSE') throw new DataDirInUseError(dir, await fetchOwner(dir));
        throw again;
      });
    } else {
      throw new DataDirInUseError(dir, await fetchOwner(dir));
    }
  }
  // The key file is rewritten by each new owner; a reader holding an older one is refused and reads again.
  const file = join(dir, OWNER_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ ...info, key })}\n`, { mode: 0o600 });
  renameSync(temporary, file);

  let released = false;
  return {
    dataDir: dir,
    info,
    setUrl(url) {
      info.url = url;
    },
    serve(next) {
      handler = next;
      info.accepts_operations = true;
    },
    async release() {
      if (released) return;
      released = true;
      handler = undefined;
      info.accepts_operations = false;
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Who owns `dataDir` right now, or undefined when nobody does (or the owner does not answer in time). */
export async function fetchOwner(dataDir: string): Promise<OwnerInfo | undefined> {
  let address: string;
  try {
    address = ownerAddress(dataDir);
  } catch {
    return undefined; // the directory does not exist: nobody owns it
  }
  return new Promise((resolvePromise) => {
    const req = request({ socketPath: address, path: '/owner', method: 'GET', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        try {
          resolvePromise(JSON.parse(text) as OwnerInfo);
        } catch {
          resolvePromise(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolvePromise(undefined));
    req.end();
  });
}

/** The key of the current owner, from its file (readable only by who may read the database files). */
export function readOwnerKey(dataDir: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(resolve(dataDir), OWNER_FILE), 'utf8')) as { key?: unknown };
    return typeof parsed.key === 'string' ? parsed.key : undefined;
  } catch {
    return undefined;
  }
}
