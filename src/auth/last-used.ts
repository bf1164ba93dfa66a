import type { Database } from '../db/client.js';
import { tokensRepository } from '../modules/tokens/tokens.repository.js';
import { oauthRepository } from '../oauth/oauth.repository.js';
import type { SharedState } from '../shared-state/shared-state.js';

type Kind = 'pat' | 'cat' | 'oauth';
const KINDS: readonly Kind[] = ['pat', 'cat', 'oauth'];

/**
 * Remembers when PATs, CATs and OAuth grants were last used and writes those times in batches, so authenticating
 * a request never costs a database write. The pending times live in the shared state: with Redis every instance
 * sees them at once (listings merge them in) and whichever instance flushes next writes them; without Redis they
 * wait in this process. last_used is informational, not a security control: a time lost with Redis or a killed
 * process costs nothing but that time.
 */
export class LastUsedTracker {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly shared: SharedState,
    private readonly flushSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(this.onError), this.flushSeconds * 1000);
    this.timer.unref();
  }

  record(kind: Kind, id: string): Promise<void> {
    return this.shared.recordLatest(`last-used:${kind}`, id, Date.now());
  }

  /** The freshest known time of each id: a pending one beats the stored one. */
  async merge(
    kind: Kind,
    rows: readonly { id: string; lastUsed: Date | null }[],
  ): Promise<Map<string, Date | null>> {
    const pending = await this.shared.peekLatest(
      `last-used:${kind}`,
      rows.map((row) => row.id),
    );
    return new Map(
      rows.map((row) => {
        const at = pending.get(row.id);
        const stored = row.lastUsed;
        return [row.id, at === undefined || (stored && stored.getTime() > at) ? stored : new Date(at)];
      }),
    );
  }

  async flush(): Promise<void> {
    for (const kind of KINDS) {
      const group = `last-used:${kind}`;
      const taken = await this.shared.takeLatest(group);
      if (taken.size === 0) continue;
      const entries = [...taken].map(([id, at]) => ({ id, at: new Date(at) }));
      try {
        if (kind === 'oauth') await oauthRepository.touchLastUsed(this.db, entries);
        else await tokensRepository.touchLastUsed(this.db, kind, entries);
      } catch (error) {
        // Put them back for the next flush (the database may be down for a moment).
        for (const [id, at] of taken) await this.shared.recordLatest(group, id, at);
        throw error;
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
