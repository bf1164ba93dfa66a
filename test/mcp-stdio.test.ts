import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { fetchOwner } from '../src/db/data-dir-owner.js';
import { startServer } from '../src/server.js';
import { cliEnv, ROOT, runCliWith } from './helpers/cli.js';
import { type CliServer, startCliServer } from './helpers/cli-server.js';
import { ApiClient, createUser, type TestUser } from './helpers/client.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './helpers/database.js';
import { createCat, createCollection, createPat, storeNew } from './helpers/documents.js';
import { call, connectMcp, ok, toolNames } from './helpers/mcp.js';
import { testEnv } from './helpers/server.js';

/**
 * `ainstruct mcp`: the real CLI launched by the official MCP client's stdio transport, on both databases, in
 * each of its three shapes (tools in its own process, bridged to the server owning DATA_DIR, bridged to a
 * remote server's /mcp).
 */

let database: TestDatabase | undefined;
let dbEnv: Record<string, string>;
let dataDir: string;
let alice: TestUser;
let pat: string;
let revokedPat: string;
let notes: string;
let readCat: string;
let writeCat: string;
/** What each credential lists over HTTP: stdio must list exactly the same. */
const httpTools: Record<'pat' | 'readCat' | 'writeCat', string[]> = { pat: [], readCat: [], writeCat: [] };

const baseEnv = (extra: Record<string, string> = {}) => cliEnv(dbEnv, extra);

interface StdioSession {
  client: Client;
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

/** Launches `ainstruct mcp <args>` through the official stdio client transport and connects to it. */
async function stdio(
  args: string[],
  extra: Record<string, string> = {},
  clientOptions: ConstructorParameters<typeof Client>[1] = {},
): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli.ts', 'mcp', ...args],
    cwd: ROOT,
    env: baseEnv(extra),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'ainstruct-stdio-tests', version: '1.0.0' }, clientOptions);
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`ainstruct mcp did not start: ${String(error)}\n${stderr}`);
  }
  return { client, pid: transport.pid ?? 0, stderr: () => stderr, close: () => client.close() };
}

/** Every file under `dir` that process `pid` has open (Linux: its /proc fd links). */
function filesOpenedIn(pid: number, dir: string): string[] {
  const real = realpathSync(dir);
  const fds = `/proc/${pid}/fd`;
  return readdirSync(fds).flatMap((fd) => {
    try {
      const target = readlinkSync(join(fds, fd));
      return target.startsWith(real) ? [target] : [];
    } catch {
      return [];
    }
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ainstruct-stdio-'));
  if (TEST_DB === 'postgres') {
    database = await createTestDatabase('postgres');
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    dbEnv = { DATA_DIR: dataDir };
  }
  // Accounts and tokens through the real REST API, then the server is gone (nobody owns DATA_DIR).
  const server = await startServer(loadConfig(testEnv(dbEnv)));
  try {
    const api = new ApiClient(server.url);
    alice = await createUser(api, 'stdio');
    pat = (await createPat(api, alice.accessToken)).token;
    const revoked = await createPat(api, alice.accessToken);
    revokedPat = revoked.token;
    expect((await api.delete(`/api/v1/auth/pat/${revoked.id}`, alice.accessToken)).status).toBeLessThan(300);
    notes = await createCollection(api, alice.accessToken, 'notes');
    readCat = await createCat(api, alice.accessToken, notes, 'read');
    writeCat = await createCat(api, alice.accessToken, notes, 'read_write');
    await storeNew(api, alice.accessToken, {
      title: 'Kept in notes',
      content: 'The lighthouse keeper logs the tide tables every morning.',
      collection_id: notes,
    });
    await storeNew(api, alice.accessToken, {
      title: 'Kept in default',
      content: 'The lighthouse keeper painted the default door blue.',
    });
    for (const [name, token] of [
      ['pat', pat],
      ['readCat', readCat],
      ['writeCat', writeCat],
    ] as const) {
      const client = await connectMcp(server.url, token);
      httpTools[name] = await toolNames(client);
      await client.close();
    }
  } finally {
    await server.close();
  }
}, 180_000);

afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('ainstruct mcp in its own process', { timeout: 180_000 }, () => {
  it('serves the same tools as HTTP to a PAT, and stores and finds a document', async () => {
    const session = await stdio([], { AINSTRUCT_TOKEN: pat });
    try {
      expect(await toolNames(session.client)).toEqual(httpTools.pat);
      const stored = ok(
        await call(session.client, 'store_document_tool', {
          title: 'Stdio note',
          content: 'Quokkas on Rottnest Island smile for photographs.',
          document_type: 'markdown',
        }),
      );
      expect(stored.document_id).toEqual(expect.any(String));
      const found = ok(await call(session.client, 'search_documents_tool', { query: 'quokka Rottnest' }));
      const results = found.results as { document_id: string }[];
      expect(results.map((r) => r.document_id)).toContain(stored.document_id);
    } finally {
      await session.close();
    }
  });

  it('gives a read CAT only its collection and no way to store', async () => {
    const session = await stdio([], { AINSTRUCT_TOKEN: readCat });
    try {
      const names = await toolNames(session.client);
      expect(names).toEqual(httpTools.readCat);
      expect(names).not.toContain('store_document_tool');
      const found = ok(await call(session.client, 'search_documents_tool', { query: 'lighthouse keeper' }));
      const titles = (found.results as { title: string }[]).map((r) => r.title);
      expect(titles).toContain('Kept in notes');
      expect(titles).not.toContain('Kept in default');
      // As over HTTP, a tool the credential may not use does not exist for it.
      const refused = call(session.client, 'store_document_tool', {
        title: 'Nope',
        content: 'should not be stored',
        document_type: 'text',
      });
      await expect(refused).rejects.toThrow(/store_document_tool not found/);
    } finally {
      await session.close();
    }
  });

  it('lets a read_write CAT store into its collection', async () => {
    const session = await stdio([], { AINSTRUCT_TOKEN: writeCat });
    try {
      expect(await toolNames(session.client)).toEqual(httpTools.writeCat);
      const stored = ok(
        await call(session.client, 'store_document_tool', {
          title: 'From a CAT',
          content: 'Written with a collection token over stdio.',
          document_type: 'text',
        }),
      );
      expect(stored.collection_id).toBe(notes);
    } finally {
      await session.close();
    }
  });

  it('acts as a local user with --user', async () => {
    const session = await stdio(['--user', alice.username]);
    try {
      expect(await toolNames(session.client)).toEqual(httpTools.pat);
      const found = ok(await call(session.client, 'search_documents_tool', { query: 'lighthouse keeper' }));
      const titles = (found.results as { title: string }[]).map((r) => r.title);
      expect(titles).toEqual(expect.arrayContaining(['Kept in notes', 'Kept in default']));
    } finally {
      await session.close();
    }
  });

  it.runIf(TEST_DB === 'pglite')(
    'lets a second ainstruct mcp on the same DATA_DIR go through the first, which owns it',
    async () => {
      const first = await stdio([], { AINSTRUCT_TOKEN: pat });
      try {
        const second = await stdio(['--user', alice.username]);
        try {
          expect(second.stderr()).toContain('serving through `ainstruct mcp` owning');
          const stored = ok(
            await call(second.client, 'store_document_tool', {
              title: 'Second session',
              content: 'Stored by the second stdio session through the first.',
              document_type: 'text',
            }),
          );
          const read = ok(await call(first.client, 'get_document_tool', { document_id: stored.document_id }));
          expect(read.title).toBe('Second session');
          expect(filesOpenedIn(second.pid, dataDir)).toEqual([]);
        } finally {
          await second.close();
        }
      } finally {
        await first.close();
      }
    },
  );

  it('refuses a revoked token, an unknown user and a missing identity before serving', async () => {
    const none = await runCliWith(dbEnv, ['mcp']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('mcp needs an identity: set AINSTRUCT_TOKEN');
    const [withRevoked, unknown] = [
      await runCliWith({ ...dbEnv, AINSTRUCT_TOKEN: revokedPat }, ['mcp']),
      await runCliWith(dbEnv, ['mcp', '--user', 'nobody-here']),
    ];
    expect(withRevoked.code).toBe(1);
    expect(withRevoked.stderr).toMatch(/AINSTRUCT_TOKEN was refused: Invalid or expired token/);
    expect(withRevoked.stdout).toBe('');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nobody-here');
  });
});

describe('ainstruct mcp beside a running server', { timeout: 180_000 }, () => {
  let server: CliServer;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startCliServer(baseEnv({ HOST: '127.0.0.1', PORT: '0' }));
    api = new ApiClient(server.url);
  }, 180_000);
  afterAll(async () => {
    await server?.stop('SIGTERM');
  });

  it('bridges --url to a server’s /mcp with the token', async () => {
    const session = await stdio(['--url', server.url], { AINSTRUCT_TOKEN: readCat });
    try {
      expect(await toolNames(session.client)).toEqual(httpTools.readCat);
      const found = ok(await call(session.client, 'search_documents_tool', { query: 'lighthouse keeper' }));
      expect((found.results as { title: string }[]).map((r) => r.title)).toContain('Kept in notes');
    } finally {
      await session.close();
    }
    const refused = await runCliWith({ AINSTRUCT_TOKEN: revokedPat }, ['mcp', '--url', server.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused');
    const user = await runCliWith({ AINSTRUCT_TOKEN: pat }, ['mcp', '--url', server.url, '--user', 'x']);
    expect(user.code).toBe(1);
  });

  it.runIf(TEST_DB === 'pglite')(
    'goes through the server owning DATA_DIR, never opening its files: both see each other’s writes',
    async () => {
      for (const args of [[], ['--user', alice.username]]) {
        const session = await stdio(args, args.length ? {} : { AINSTRUCT_TOKEN: pat });
        try {
          expect(await toolNames(session.client)).toEqual(httpTools.pat);
          expect(session.stderr()).toContain('serving through the server owning');
          const stored = ok(
            await call(session.client, 'store_document_tool', {
              title: `Through the owner ${args.length}`,
              content: `Stored over stdio beside a running server, variant ${args.length}.`,
              document_type: 'text',
            }),
          );
          const seen = await api.get(`/api/v1/documents/${String(stored.document_id)}`, alice.accessToken);
          expect(seen.status).toBe(200);
          const restId = await storeNew(api, alice.accessToken, {
            title: `Over REST ${args.length}`,
            content: `Stored over REST while stdio is connected, variant ${args.length}.`,
          });
          const read = ok(await call(session.client, 'get_document_tool', { document_id: restId }));
          expect(read.title).toBe(`Over REST ${args.length}`);
          expect(filesOpenedIn(session.pid, dataDir)).toEqual([]);
          expect((await fetchOwner(dataDir))?.pid).toBe(server.child.pid);
        } finally {
          await session.close();
        }
      }
      const refused = await runCliWith({ ...dbEnv, AINSTRUCT_TOKEN: revokedPat }, ['mcp']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('Invalid or expired token');
    },
  );

  it.runIf(TEST_DB === 'pglite')(
    'keeps bridging when the server owning DATA_DIR is restarted (a new owner key)',
    async () => {
      const session = await stdio([], { AINSTRUCT_TOKEN: pat });
      try {
        const search = () => call(session.client, 'search_documents_tool', { query: 'lighthouse keeper' });
        expect(ok(await search()).results).not.toHaveLength(0);
        await server.stop('SIGTERM');
        // No owner: the client gets an error answer, and the bridge stays up.
        await expect(search()).rejects.toThrow();
        server = await startCliServer(baseEnv({ HOST: '127.0.0.1', PORT: '0' }));
        expect(ok(await search()).results).not.toHaveLength(0);
      } finally {
        await session.close();
      }
    },
  );
});

describe('ainstruct serve taking DATA_DIR over from ainstruct mcp', { timeout: 240_000 }, () => {
  const serverEnv = () => baseEnv({ HOST: '127.0.0.1', PORT: '0' });

  it.runIf(TEST_DB === 'pglite')(
    'starts the server and keeps the same stdio session going through it',
    async () => {
      expect(await fetchOwner(dataDir)).toBeUndefined();
      const session = await stdio([], { AINSTRUCT_TOKEN: pat });
      let server: CliServer | undefined;
      try {
        expect((await fetchOwner(dataDir))?.pid).toBe(session.pid);
        const before = ok(
          await call(session.client, 'store_document_tool', {
            title: 'Before the handover',
            content: 'Stored over stdio while ainstruct mcp owned the embedded database.',
            document_type: 'text',
          }),
        );
        server = await startCliServer(serverEnv());
        const api = new ApiClient(server.url);
        const seen = await api.get(`/api/v1/documents/${String(before.document_id)}`, alice.accessToken);
        expect(seen.status).toBe(200);
        const restId = await storeNew(api, alice.accessToken, {
          title: 'After the handover',
          content: 'Stored over REST once the server had taken the database over.',
        });
        // The same client session, never reconnected.
        const read = ok(await call(session.client, 'get_document_tool', { document_id: restId }));
        expect(read.title).toBe('After the handover');
        expect(filesOpenedIn(session.pid, dataDir)).toEqual([]);
        expect((await fetchOwner(dataDir))?.pid).toBe(server.child.pid);
        expect(session.stderr()).toContain('handing');
      } finally {
        await session.close();
        await server?.stop('SIGTERM');
      }
    },
  );

  it.runIf(TEST_DB === 'pglite')(
    'answers every request sent while the handover runs, for a 2025-era client too',
    async () => {
      // A 2025-era client sends the revision it negotiated with the in-process server on every later request:
      // the server must be told the same one.
      const session = await stdio(
        [],
        { AINSTRUCT_TOKEN: pat },
        { supportedProtocolVersions: ['2025-06-18'] },
      );
      let server: CliServer | undefined;
      try {
        const search = () => call(session.client, 'search_documents_tool', { query: 'lighthouse keeper' });
        expect(ok(await search()).results).not.toHaveLength(0);
        let started = false;
        const starting = startCliServer(serverEnv()).finally(() => {
          started = true;
        });
        // Requests all along the handover: before serve asks, while held, while the database closes, after.
        const calls: Promise<unknown>[] = [];
        const stored = call(session.client, 'store_document_tool', {
          title: 'During the handover',
          content: 'Stored over stdio at the moment the server was started.',
          document_type: 'text',
        });
        while (!started) {
          calls.push(search().then(ok));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        server = await starting;
        const id = ok(await stored).document_id;
        await Promise.all(calls);
        expect(calls.length).toBeGreaterThan(3);
        const read = ok(await call(session.client, 'get_document_tool', { document_id: id }));
        expect(read.title).toBe('During the handover');
        expect((await fetchOwner(dataDir))?.pid).toBe(server.child.pid);
        expect(filesOpenedIn(session.pid, dataDir)).toEqual([]);
      } finally {
        await session.close();
        await server?.stop('SIGTERM');
      }
    },
  );
});
