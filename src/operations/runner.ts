import { request } from 'node:http';
import type { Config } from '../config.js';
import {
  DataDirInUseError,
  OWNER_KEY_HEADER,
  type OwnerInfo,
  ownerAddress,
  readOwnerKey,
} from '../db/data-dir-owner.js';
import { openCliContext } from './local-context.js';
import { type OperationInput, type OperationName, type OperationOutput, runOperation } from './operations.js';
import { operationFailure } from './owner-control.js';

export type ProgressListener = (event: Record<string, unknown>) => void;

/** Runs command-line operations where they must run: in this process, or in the server owning DATA_DIR. */
export interface OperationRunner {
  /** The running server the operations go through, when there is one. */
  readonly owner: OwnerInfo | undefined;
  run<N extends OperationName>(
    name: N,
    input: OperationInput<N>,
    onProgress?: ProgressListener,
  ): Promise<OperationOutput<N>>;
  close(): Promise<void>;
}

/** A refused or failed operation, with the service's code and message (what the operator is shown). */
export class OperationError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

const STARTING_WAIT_MS = 180_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens the runner for `command`. Server mode, or an embedded DATA_DIR nobody owns: this process opens the
 * database (owning DATA_DIR for the duration). A DATA_DIR owned by a server: operations go through it (waiting
 * while it starts). Owned by another command: refused before anything was touched.
 */
export async function openOperationRunner(config: Config, command: string): Promise<OperationRunner> {
  const deadline = Date.now() + STARTING_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      return await localRunner(config, command);
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      const owner = error.owner;
      if (owner?.accepts_operations) return remoteRunner(error.dataDir, owner);
      // A server that is starting (or too busy to answer, e.g. while PGlite loads) will accept operations soon.
      const starting = owner === undefined || owner.command === 'serve';
      if (!starting || Date.now() > deadline) {
        throw new OperationError(
          409,
          'DATA_DIR_IN_USE',
          `${error.message} ${
            starting
              ? 'It did not finish starting in time; check its log, then run this again.'
              : 'Wait for it to finish, then run this again.'
          }`,
        );
      }
      if (!announced) {
        process.stderr.write(`${error.message} Waiting for it to finish starting…\n`);
        announced = true;
      }
      await sleep(500);
    }
  }
}

async function localRunner(config: Config, command: string): Promise<OperationRunner> {
  const cli = await openCliContext(config, command, { migrate: command !== 'migrate' });
  return {
    owner: undefined,
    async run(name, input, onProgress) {
      try {
        return await runOperation(
          { ctx: cli.ctx, services: cli.services, progress: onProgress ?? (() => {}) },
          name,
          input,
        );
      } catch (error) {
        const failure = operationFailure(error);
        if (failure.status >= 500) throw error; // this operator's own process: show the real error
        throw new OperationError(failure.status, failure.code, failure.message);
      }
    },
    close: () => cli.close(),
  };
}

function remoteRunner(dataDir: string, owner: OwnerInfo): OperationRunner {
  const address = ownerAddress(dataDir);
  const where = `the server (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''})`;
  return {
    owner,
    async run(name, input, onProgress) {
      for (let attempt = 0; ; attempt++) {
        const key = readOwnerKey(dataDir);
        if (!key) {
          throw new OperationError(
            403,
            'OWNER_KEY_UNREADABLE',
            `Cannot read ${dataDir}/owner.json: run this as the user who runs ${where}`,
          );
        }
        try {
          return (await post(address, key, name, input, onProgress, where)) as OperationOutput<typeof name>;
        } catch (error) {
          // A key file from the owner's start may be read a moment before it is replaced: read it again.
          if (error instanceof OperationError && error.code === 'OWNER_KEY_INVALID' && attempt < 5) {
            await sleep(200);
            continue;
          }
          throw error;
        }
      }
    },
    async close() {},
  };
}

function post(
  address: string,
  key: string,
  name: string,
  input: unknown,
  onProgress: ProgressListener | undefined,
  where: string,
): Promise<unknown> {
  const body = JSON.stringify(input);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const lost = () =>
      new OperationError(
        503,
        'OWNER_GONE',
        `${where} stopped before answering; \`${name}\` may or may not have been applied: check, then run this again`,
      );
    const req = request(
      {
        socketPath: address,
        path: `/operations/${name}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [OWNER_KEY_HEADER]: key,
        },
      },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
            handle(buffer.slice(0, newline));
            buffer = buffer.slice(newline + 1);
          }
        });
        res.on('end', () => {
          if (buffer.trim()) handle(buffer);
          finish(() => reject(lost()));
        });
        res.on('error', () => finish(() => reject(lost())));
      },
    );
    const handle = (line: string) => {
      if (!line.trim()) return;
      let message: {
        progress?: Record<string, unknown>;
        result?: unknown;
        error?: { status?: number; code?: string; message?: string };
      };
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.progress) onProgress?.(message.progress);
      else if (message.error) {
        const { status = 500, code = 'INTERNAL_ERROR', message: text = 'failed' } = message.error;
        finish(() => reject(new OperationError(status, code, text)));
      } else if ('result' in message) finish(() => resolve(message.result));
    };
    req.on('error', () => finish(() => reject(lost())));
    req.end(body);
  });
}

/** ` (through the running server, pid N)` when the operations ran in the server owning DATA_DIR. */
export function throughOwner(runner: Pick<OperationRunner, 'owner'>): string {
  return runner.owner ? ` (through the running server, pid ${runner.owner.pid})` : '';
}
