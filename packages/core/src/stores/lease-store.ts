/** @module Named, expiring, fenced leases shared by every process that uses one store. */

/**
 * One holder's lease on a name. While it has not expired nobody else can acquire the name; once
 * it has, the next `acquire` takes it over and the fence grows, so an old holder can tell it lost
 * the lease (`renew` answers `false`) and stops.
 */
export interface Lease {
  readonly name: string;
  /** Fencing token: grows each time anyone acquires `name`, in any process. */
  readonly fence: number;
  /** Epoch milliseconds after which another holder may take the name over. */
  readonly expiresAt: number;
  /**
   * Extends the lease to `ttlMs` from now if it is still this holder's (not taken over). Returns
   * `false`, changing nothing, when another holder has acquired the name since: stop the work.
   */
  renew(ttlMs: number): Promise<boolean>;
  /** Ends the lease if it is still this holder's; a later holder is not affected. Idempotent. */
  release(): Promise<void>;
}

/**
 * Leases keyed by name, for work that must run in one process at a time across every process
 * sharing the store (resuming a thread, say). `acquire` is atomic: of concurrent callers at most
 * one gets the lease. A holder that dies simply lets its lease expire.
 *
 * Memory leases coordinate one process; SQLite leases every process sharing the file; Postgres
 * leases every process sharing the database.
 */
export interface LeaseStore {
  /**
   * Takes the lease on `name` for `ttlMs` milliseconds, unless another holder's lease on it has not
   * expired: then resolves to `undefined`.
   */
  acquire(name: string, ttlMs: number): Promise<Lease | undefined>;
}

/**
 * Renews `lease` every third of `ttlMs` while the work under it runs, so a live holder keeps it
 * past its first `ttlMs` and a dead one lets it lapse. Stops by itself once the lease is lost
 * (taken over after it expired); a failed renewal (store unreachable) is tried again on the next
 * beat. The returned `stop` waits for a renewal under way, so none lands after the lease is released.
 */
export function keepRenewed(lease: Pick<Lease, "renew">, ttlMs: number): () => Promise<void> {
  let renewing: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(
    () => {
      renewing = lease.renew(ttlMs).then(
        (held) => {
          if (!held) clearInterval(heartbeat);
        },
        () => undefined,
      );
    },
    Math.max(1, Math.ceil(ttlMs / 3)),
  );
  heartbeat.unref?.();
  return async () => {
    clearInterval(heartbeat);
    await renewing;
  };
}

const INVALID_TTL = "ttlMs must be a positive whole number of milliseconds";

/** @internal Checks a lease duration (a programming error, so a plain `RangeError`). */
export function checkLeaseTtl(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(INVALID_TTL);
  return ttlMs;
}

/**
 * A {@link LeaseStore} in process memory: for tests and single-process apps.
 *
 * @example
 * const lease = await leases.acquire(`resume:${consentId}:${threadId}`, 30_000);
 * if (lease) try { await run(); } finally { await lease.release(); }
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly #leases = new Map<string, { fence: number; expiresAt: number }>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    checkLeaseTtl(ttlMs);
    const held = this.#leases.get(name);
    const now = this.#now();
    if (held && held.expiresAt > now) return undefined;
    const entry = { fence: (held?.fence ?? 0) + 1, expiresAt: now + ttlMs };
    this.#leases.set(name, entry);
    const leases = this.#leases;
    const clock = this.#now;
    return {
      name,
      fence: entry.fence,
      get expiresAt() {
        return entry.expiresAt;
      },
      async renew(next) {
        checkLeaseTtl(next);
        if (leases.get(name)?.fence !== entry.fence) return false;
        entry.expiresAt = clock() + next;
        return true;
      },
      async release() {
        if (leases.get(name)?.fence === entry.fence) entry.expiresAt = 0;
      },
    };
  }
}
