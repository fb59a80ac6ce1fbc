/** @module Across processes: take the key's refresh lease, or wait for the holder's tokens. */
import { keepRenewed, type RefreshLease, type TokenKey, type TokenSet, type TokenStore } from "@authbus/core";
import { RefreshError } from "../errors/oauth-errors.js";

/** How the refresh step reads and writes the tokens it refreshes. */
export interface RefreshStorage {
  /** The tokens to refresh. */
  held: TokenSet | undefined;
  /** Stores the new tokens; `false` when they could not be stored (the lease was lost). */
  store(fresh: TokenSet): Promise<boolean>;
  /** Forgets dead tokens, unless newer ones were stored meanwhile. */
  drop(): Promise<void>;
}

/** What {@link coordinateRefresh} ended with. */
export type Coordinated =
  /** Tokens another caller (any process) stored while this one waited: no grant was spent here. */
  | { kind: "stored"; tokens: TokenSet }
  /** This caller held the lease and ran the grant. */
  | { kind: "refreshed"; tokens: TokenSet };

/** Options of {@link coordinateRefresh}. */
export interface CoordinateOptions {
  store: TokenStore & Required<Pick<TokenStore, "acquireRefreshLease">>;
  key: TokenKey;
  /** The tokens the caller found wanting; without them, tokens stored after the first look count as newer. */
  stale: TokenSet | undefined;
  ttlMs: number;
  /** Runs the grant under the lease. */
  refresh(storage: RefreshStorage): Promise<TokenSet>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The lease side of a refresh: the caller that gets the key's lease refreshes (renewing the
 * lease while the grant runs) and commits with compare-and-set; every other caller, in any
 * process, polls until the stored tokens are newer than those it found wanting, or until the
 * lease is released or expires (its holder died) and it can take the lease itself.
 *
 * @throws {RefreshError} `consentRequired` when the holder found the refresh token dead (the
 *   tokens were discarded); not `consentRequired` when no holder finished within twice the lease.
 */
export async function coordinateRefresh(options: CoordinateOptions): Promise<Coordinated> {
  const { store, key, stale, ttlMs } = options;
  const deadline = Date.now() + 2 * ttlMs + 5_000;
  let firstVersion: number | undefined;
  let delay = 5;
  for (;;) {
    const attempt = await store.acquireRefreshLease(key, ttlMs);
    const seen = attempt.acquired ? attempt.lease : attempt;
    firstVersion ??= seen.version;
    const newer =
      stale === undefined ? seen.version !== firstVersion : seen.tokens?.accessToken !== stale.accessToken;
    if (newer) {
      if (attempt.acquired) await attempt.lease.release();
      if (!seen.tokens) {
        throw new RefreshError({
          message: `the refresh token for ${key.resource} was refused in another worker's refresh; consent is required`,
          consentRequired: true,
        });
      }
      return { kind: "stored", tokens: seen.tokens };
    }
    if (attempt.acquired) {
      return { kind: "refreshed", tokens: await refreshHolding(attempt.lease, ttlMs, options.refresh) };
    }
    if (Date.now() > deadline) {
      throw new RefreshError({
        message: `another worker's refresh of the tokens for ${key.resource} did not finish in time; try again`,
        consentRequired: false,
      });
    }
    await sleep(Math.max(1, Math.min(delay, attempt.heldUntil - Date.now())));
    delay = Math.min(delay * 2, 100);
  }
}

async function refreshHolding(
  lease: RefreshLease,
  ttlMs: number,
  refresh: (storage: RefreshStorage) => Promise<TokenSet>,
): Promise<TokenSet> {
  // Renewed while the grant runs, so a slow but live holder keeps it; a dead one lets it lapse.
  const stopRenewing = keepRenewed(lease, ttlMs);
  try {
    return await refresh({
      held: lease.tokens,
      store: (fresh) => lease.commit(fresh),
      drop: async () => {
        await lease.discard();
      },
    });
  } finally {
    await stopRenewing();
    await lease.release().catch(() => undefined);
  }
}
