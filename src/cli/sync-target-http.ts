import type { ManifestEntry, PutBody, PutOutcome } from '../modules/sync/sync.schemas.js';
import type { SyncTarget } from './sync-target.js';

/** A refusal or failure answered by the remote server, with its code and message. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

/** How many 429s in a row one request waits out before it counts as failed. */
const MAX_RATE_LIMITED = 10;

/** A 429 and how long the server asked to wait, for `call` to retry after. */
class RateLimited extends Error {
  constructor(
    readonly waitMs: number,
    override readonly cause: RemoteError,
  ) {
    super(cause.message);
  }
}

/** A remote server over its REST sync routes, as the token's user (a PAT) or collection (a CAT). */
export function httpSyncTarget(url: string, token: string): SyncTarget {
  const api = `${url.replace(/\/+$/, '')}/api/v1`;
  let collectionId: string | undefined;
  const collectionPath = () => {
    if (!collectionId) throw new Error('begin() first');
    return `${api}/collections/${encodeURIComponent(collectionId)}/sync`;
  };

  async function call<T>(method: string, address: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once<T>(method, address, body);
      } catch (error) {
        // Rate limited: wait as told (a long sync outpaces RATE_LIMIT_PER_MINUTE), then go on.
        if (!(error instanceof RateLimited)) throw error;
        if (attempt >= MAX_RATE_LIMITED) throw error.cause;
        await new Promise((resolve) => setTimeout(resolve, error.waitMs));
      }
    }
  }

  async function once<T>(method: string, address: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(address, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new RemoteError(0, 'UNREACHABLE', `${url} did not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const detail = (parsed as { detail?: { code?: string; message?: string } } | undefined)?.detail;
      const error = new RemoteError(
        response.status,
        detail?.code ?? `HTTP_${response.status}`,
        detail?.message ?? `${method} ${address} answered ${response.status}`,
      );
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after'));
        throw new RateLimited(
          Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) * 1000 : 1000,
          error,
        );
      }
      throw error;
    }
    return parsed as T;
  }

  return {
    async begin(collection, { create }) {
      const begun = await call<{ collection_id: string; name: string }>('POST', `${api}/sync/begin`, {
        collection,
        create,
      }).catch((error: unknown) => {
        if (!create && error instanceof RemoteError && error.code === 'COLLECTION_NOT_FOUND')
          return undefined;
        throw error;
      });
      if (!begun) return undefined;
      collectionId = begun.collection_id;
      return { name: begun.name };
    },
    async *manifest(): AsyncGenerator<ManifestEntry> {
      let after: string | undefined;
      for (;;) {
        const query = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
        const page = await call<{ entries: ManifestEntry[]; next: string | null }>(
          'GET',
          `${collectionPath()}/manifest?${query}`,
        );
        yield* page.entries;
        if (!page.next) return;
        after = page.next;
      }
    },
    put: (body: PutBody) =>
      call<{ outcome: PutOutcome; document_id: string }>('PUT', `${collectionPath()}/documents`, body),
    remove: (documentId) =>
      call<{ deleted: boolean }>('DELETE', `${collectionPath()}/documents/${encodeURIComponent(documentId)}`),
    // Unreachable, a refused token, or a server error: every other file would fail the same way.
    fatal: (error) =>
      !(error instanceof RemoteError) ||
      error.status === 0 ||
      error.status === 401 ||
      error.status === 403 ||
      error.status >= 500,
    async close() {},
  };
}
