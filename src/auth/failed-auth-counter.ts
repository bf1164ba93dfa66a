import type { SharedState, WindowCount } from '../shared-state/shared-state.js';

export type { WindowCount };

/**
 * Per-key attempt counters in fixed windows, for the failed-authentication budget. `hit` counts an attempt
 * before the work it guards is done (so concurrent attempts cannot all slip under the limit), `refund` takes
 * it back when the attempt turned out to be legitimate.
 */
export interface FailedAuthCounter {
  hit(key: string): Promise<WindowCount>;
  refund(key: string): Promise<void>;
}

/**
 * The counters in the shared state: one count per address across every instance with Redis, per process
 * without it (and, should Redis fail, per process until it is back: an outage never lets lookups through
 * unbounded, nor takes authentication down).
 */
export function sharedFailedAuthCounter(shared: SharedState, windowMs: number): FailedAuthCounter {
  const key = (address: string) => `failed-auth:${address}`;
  return {
    hit: (address) => shared.hit(key(address), windowMs),
    refund: (address) => shared.refund(key(address)),
  };
}
