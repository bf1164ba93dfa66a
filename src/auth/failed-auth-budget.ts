import { isIPv4, isIPv6 } from 'node:net';
import { AppError, RateLimitedError } from '../errors.js';
import { type Authenticator, bearerToken } from './authenticate.js';
import type { FailedAuthCounter } from './failed-auth-counter.js';
import type { Principal } from './principal.js';
import { sha256Hex } from './secrets.js';

/** The authenticator the HTTP layer (REST, /mcp, /v1/embeddings) uses: it knows the client's address. */
export interface ClientAuthenticator {
  authenticate(header: string | undefined, clientIp: string): Promise<Principal>;
}

/**
 * The budget key of a client address. An IPv6 client usually holds a whole /64 and can rotate through it at
 * will, so IPv6 addresses count per /64; IPv4 (also IPv4-mapped IPv6) per address.
 */
export function clientKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = (ip.split('%')[0] ?? '').split('::');
  // An embedded IPv4 tail stands for two groups; it is always last, so it never reaches the /64.
  const groups = (part: string | undefined) =>
    part ? part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])) : [];
  const before = groups(head);
  const after = groups(tail);
  const all = [
    ...before,
    ...Array<string>(Math.max(0, 8 - before.length - after.length)).fill('0'),
    ...after,
  ];
  const prefix = all.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

/** Recently validated credentials (hashes), kept for a while so they pass an over-budget address. */
class KnownGood {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  has(hash: string): boolean {
    const until = this.entries.get(hash);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.entries.delete(hash);
    return false;
  }

  add(hash: string): void {
    this.entries.delete(hash);
    this.entries.set(hash, Date.now() + this.ttlMs);
    // Insertion order is refresh order: the first entry is the least recently validated.
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  forget(hash: string): void {
    this.entries.delete(hash);
  }
}

export interface FailedAuthBudgetOptions {
  counter: FailedAuthCounter;
  /** Lookups of not-known-good credentials one client address may fail per window. */
  perWindow: number;
  /** How long a validated credential stays exempt from its address's budget (default 15 minutes). */
  knownGoodMs?: number;
  knownGoodMax?: number;
}

/**
 * Makes a client pay for the credentials it gets wrong, not the database. Every bearer credential that this
 * instance has not recently seen succeed is counted against its client's address *before* it is looked up;
 * a success takes the count back, a failure (unknown, expired or revoked token, bad JWT, garbage) keeps it.
 * Once an address has `perWindow` attempts outstanding in the window, its further unknown credentials are
 * refused with 429 without touching the database, so random well-formed tokens cannot buy unbounded lookups.
 *
 * Credentials validated on this instance in the last `knownGoodMs` skip the budget (they are still checked
 * against the database, so revocation is immediate), so one bad client behind a shared NAT does not lock out
 * its neighbours' working tokens. The trade-off: a valid credential this instance has not seen recently
 * (a new token, a freshly started instance) is refused like any other while its address is over budget,
 * for at most the rest of the window. A credential that fails is dropped from the known-good set at once.
 */
export function withFailedAuthBudget(
  inner: Authenticator,
  options: FailedAuthBudgetOptions,
): ClientAuthenticator {
  const { counter, perWindow } = options;
  const knownGood = new KnownGood(options.knownGoodMs ?? 15 * 60_000, options.knownGoodMax ?? 10_000);

  return {
    async authenticate(header, clientIp) {
      const token = bearerToken(header);
      // No credential at all costs no lookup: the inner authenticator answers 401 at once.
      if (!token) return inner.authenticate(header);
      const hash = sha256Hex(token);
      if (knownGood.has(hash)) return remember(hash, () => inner.authenticate(header));
      const key = clientKey(clientIp);
      const { count, resetInMs } = await counter.hit(key);
      if (count > perWindow) {
        const seconds = Math.max(1, Math.ceil(resetInMs / 1000));
        throw new RateLimitedError(
          `Too many failed authentication attempts from this address; retry in ${seconds} s`,
          seconds,
        );
      }
      try {
        const principal = await remember(hash, () => inner.authenticate(header));
        await counter.refund(key);
        return principal;
      } catch (error) {
        // Only a rejected credential is the client's doing; a database outage must not use up its budget.
        if (!(error instanceof AppError && error.status === 401)) await counter.refund(key);
        throw error;
      }
    },
  };

  async function remember(hash: string, lookup: () => Promise<Principal>): Promise<Principal> {
    try {
      const principal = await lookup();
      knownGood.add(hash);
      return principal;
    } catch (error) {
      if (error instanceof AppError && error.status === 401) knownGood.forget(hash);
      throw error;
    }
  }
}
