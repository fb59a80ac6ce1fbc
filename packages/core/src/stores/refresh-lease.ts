/** @module One refresh per (subject, resource) across processes: a fenced lease and a compare-and-set on a version. */
import type { TokenKey } from "./store-key.js";
import type { TokenSet } from "./token-store.js";

/**
 * The right to refresh the tokens of one key, held by one caller in one process at a time.
 *
 * The store reads `tokens` and `version` in the same atomic step that grants the lease. Every
 * write to the key (`set`, `delete`, a commit) moves `version` on; every acquisition moves
 * `fence` on. {@link commit} stores new tokens only while both are still what this lease saw,
 * so a refresh that lost its lease (it expired and another holder took the key) or whose
 * tokens were replaced meanwhile (a consent completed, another worker refreshed) can never
 * overwrite newer tokens.
 */
export interface RefreshLease {
  readonly key: TokenKey;
  /** Fencing token: grows by one each time anyone acquires the key's lease, in any process. */
  readonly fence: number;
  /** Epoch milliseconds after which another caller may take the lease over. */
  readonly expiresAt: number;
  /** The tokens stored when the lease was granted (`undefined`: none). */
  readonly tokens: TokenSet | undefined;
  /** The key's version when the lease was granted (0 when nothing was ever stored). */
  readonly version: number;
  /**
   * Compare-and-set: stores `tokens` if and only if this lease is still the key's newest and the
   * key's version is still {@link version}. Returns `false`, changing nothing, otherwise.
   *
   * @throws {AuthbusError} `INVALID_TOKEN_SET` when `tokens` is not a valid token set.

   */
  commit(tokens: TokenSet): Promise<boolean>;
  /** Deletes the stored tokens (a dead refresh token) under the same condition as {@link commit}. */
  discard(): Promise<boolean>;
  /**
   * Extends the lease to `ttlMs` from now while it is still this holder's (a long refresh keeps
   * it this way). Returns `false`, changing nothing, once another caller has taken it over.
   */
  renew(ttlMs: number): Promise<boolean>;
  /** Ends the lease if it is still this holder's; waiters then take it at once. Idempotent. */
  release(): Promise<void>;
}

/** What {@link RefreshLeases.acquireRefreshLease} answered. */
export type RefreshLeaseAttempt =
  /** The caller holds the lease: refresh `lease.tokens` (or use them, if they are already newer), then commit. */
  | { acquired: true; lease: RefreshLease }
  /**
   * Another caller holds an unexpired lease. `tokens` and `version` are what is stored now: when
   * they are newer than what the caller found wanting, use them; otherwise wait and ask again
   * (at the latest at `heldUntil`, when the lease can be taken over).
   */
  | { acquired: false; tokens: TokenSet | undefined; version: number; heldUntil: number };

/**
 * The capability of a {@link TokenStore} whose refreshes are coordinated across every process
 * that shares it. Contract:
 *
 * - `acquireRefreshLease` is atomic: of all concurrent callers for a key, in any process, at most
 *   one holds an unexpired lease; it reads the stored tokens and version in the same step.
 * - A holder that dies (SIGKILL, lost host) simply lets its lease expire; the next caller takes it.
 * - {@link RefreshLease.commit} is a compare-and-set on (fence, version): fencing, so a holder
 *   that lost its lease can never overwrite newer tokens.
 * - Callers that did not get the lease never refresh: they read the winner's tokens (a newer
 *   `version`) or wait for the lease to be released or to expire.
 * - `ttlMs` must exceed how long one refresh request may take (its timeout): a lease that lapses
 *   while its refresh is in flight lets a second caller spend the same refresh token.
 *
 * `createRefresher` of `@authbus/oauth` uses it whenever the store offers it.
 */
export interface RefreshLeases {
  acquireRefreshLease(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt>;
}
