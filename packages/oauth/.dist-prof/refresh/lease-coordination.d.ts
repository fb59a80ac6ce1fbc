/** @module Across processes: take the key's refresh lease, or wait for the holder's tokens. */
import type { TokenKey, TokenSet, TokenStore } from "@authbus/core";
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
{
    kind: "stored";
    tokens: TokenSet;
}
/** This caller held the lease and ran the grant. */
 | {
    kind: "refreshed";
    tokens: TokenSet;
};
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
/**
 * The lease side of a refresh: the caller that gets the key's lease refreshes (renewing the
 * lease while the grant runs) and commits with compare-and-set; every other caller, in any
 * process, polls until the stored tokens are newer than those it found wanting, or until the
 * lease is released or expires (its holder died) and it can take the lease itself.
 *
 * @throws {RefreshError} `consentRequired` when the holder found the refresh token dead (the
 *   tokens were discarded); not `consentRequired` when no holder finished within twice the lease.
 */
export declare function coordinateRefresh(options: CoordinateOptions): Promise<Coordinated>;
