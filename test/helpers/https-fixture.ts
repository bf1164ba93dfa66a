import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An HTTPS server on loopback with a self-signed certificate made by openssl, for serving OAuth client
 * metadata documents. `trust()` makes this process's fetch (Node's built-in undici, which oidc-provider uses
 * when OAUTH_CIMD_ALLOW_PRIVATE_HOSTS drops its own dispatcher) accept that certificate: test-only, by
 * replacing the global dispatcher with one of the same undici build that has the certificate as its CA.
 */
export interface HttpsFixture {
  origin: string;
  /** Serve `body` at `path` (after `delayMs`). */
  route(path: string, handler: { body: string; delayMs?: number; status?: number }): void;
  trust(): () => void;
  close(): Promise<void>;
}

export async function startHttpsFixture(): Promise<HttpsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ainstruct-cimd-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const ca = readFileSync(cert);
  const routes = new Map<string, { body: string; delayMs?: number; status?: number }>();
  const server: Server = createServer({ key: readFileSync(key), cert: ca }, (request, response) => {
    const found = routes.get(request.url ?? '');
    if (!found) return void response.writeHead(404).end();
    setTimeout(() => {
      if (response.destroyed) return;
      response.writeHead(found.status ?? 200, { 'content-type': 'application/json' }).end(found.body);
    }, found.delayMs ?? 0).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rmSync(dir, { recursive: true, force: true });
  const { port } = server.address() as AddressInfo;
  const symbol = Symbol.for('undici.globalDispatcher.1');
  const global = globalThis as unknown as Record<symbol, { constructor: new (options: unknown) => unknown }>;
  return {
    origin: `https://127.0.0.1:${port}`,
    route: (path, handler) => void routes.set(path, handler),
    trust() {
      // Touching fetch makes Node install its global dispatcher, whose class is the built-in Agent.
      void fetch;
      const previous = global[symbol];
      const Agent = previous?.constructor;
      if (!Agent) throw new Error('no global undici dispatcher to copy');
      global[symbol] = new Agent({ connect: { ca } }) as never;
      return () => {
        global[symbol] = previous as never;
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client metadata document for `clientId` with the test redirect URI. */
export function metadataDocument(clientId: string, redirectUri: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    client_id: clientId,
    client_name: 'Metadata document client',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });
}
