import type { Lease, SharedState, WindowCount } from './shared-state.js';

/**
 * The state of one process: right for a single instance (and for embedded mode, which has exactly one), and
 * the fallback of `RedisSharedState` while Redis is unreachable. Bounded: when more than `maxKeys` windows
 * are open, the oldest are dropped first.
 */
export class MemorySharedState implements SharedState {
  readonly kind = 'memory';
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly leases = new Map<string, { token: symbol; until: number }>();
  private readonly latest = new Map<string, Map<string, number>>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.delete(key);
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
      this.evict(now);
    }
    window.count += 1;
    return { count: window.count, resetInMs: window.resetAt - now };
  }

  async refund(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (window && window.resetAt > this.now() && window.count > 0) window.count -= 1;
  }

  async tryLease(key: string, ttlMs: number): Promise<Lease | undefined> {
    if (await this.isLeased(key)) return undefined;
    const token = Symbol(key);
    this.leases.set(key, { token, until: this.now() + ttlMs });
    return {
      release: async () => {
        if (this.leases.get(key)?.token === token) this.leases.delete(key);
      },
    };
  }

  async isLeased(key: string): Promise<boolean> {
    const lease = this.leases.get(key);
    if (!lease) return false;
    if (lease.until > this.now()) return true;
    this.leases.delete(key);
    return false;
  }

  async recordLatest(group: string, id: string, at: number): Promise<void> {
    let times = this.latest.get(group);
    if (!times) {
      times = new Map();
      this.latest.set(group, times);
    }
    const known = times.get(id);
    if (known === undefined || known < at) times.set(id, at);
  }

  async peekLatest(group: string, ids: readonly string[]): Promise<Map<string, number>> {
    const times = this.latest.get(group);
    const found = new Map<string, number>();
    for (const id of ids) {
      const at = times?.get(id);
      if (at !== undefined) found.set(id, at);
    }
    return found;
  }

  async takeLatest(group: string): Promise<Map<string, number>> {
    const times = this.latest.get(group) ?? new Map<string, number>();
    this.latest.delete(group);
    return times;
  }

  async close(): Promise<void> {}

  /** Maps iterate in insertion order, so the first entries are the oldest windows. */
  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (this.windows.size <= this.maxKeys && window.resetAt > now) break;
      this.windows.delete(key);
    }
  }
}
