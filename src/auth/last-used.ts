import type { Database } from '../db/client.js';
import { tokensRepository } from '../modules/tokens/tokens.repository.js';
import { oauthRepository } from '../oauth/oauth.repository.js';

type Kind = 'pat' | 'cat' | 'oauth';

/**
 * Remembers when PATs, CATs and OAuth grants were last used and writes those times in batches, so authenticating a request
 * never costs a database write. Times not yet flushed are merged into listings served by this instance; other
 * instances see them after the next flush (last_used is informational, not a security control).
 */
export class LastUsedTracker {
  private pending = {
    pat: new Map<string, Date>(),
    cat: new Map<string, Date>(),
    oauth: new Map<string, Date>(),
  };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly flushSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), this.flushSeconds * 1000);
    this.timer.unref();
  }

  record(kind: Kind, id: string): void {
    this.pending[kind].set(id, new Date());
  }

  /** The freshest known time: a pending one beats the stored one. */
  merge(kind: Kind, id: string, stored: Date | null): Date | null {
    const pending = this.pending[kind].get(id);
    if (!pending) return stored;
    return stored && stored > pending ? stored : pending;
  }

  async flush(): Promise<void> {
    for (const kind of ['pat', 'cat', 'oauth'] as const) {
      const entries = [...this.pending[kind]].map(([id, at]) => ({ id, at }));
      if (entries.length === 0) continue;
      this.pending[kind] = new Map();
      if (kind === 'oauth') await oauthRepository.touchLastUsed(this.db, entries);
      else await tokensRepository.touchLastUsed(this.db, kind, entries);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
