/** @module Refresh-token grant with rotation safety: one grant in flight per (store, key), new tokens stored first. */
import { type AuthBus, type TokenKey, type TokenRefresher, type TokenSet, type TokenStore } from "@authbus/core";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig } from "../client/resolve-client.js";
import { type Discovery } from "../discovery/create-discovery.js";
import { type HttpOptions } from "../shared/http-options.js";
/** Options of {@link createRefresher}. */
export interface RefresherOptions extends HttpOptions {
    tokens: TokenStore;
    bus: AuthBus;
    /** The client config used for consents, so a confidential client's secret is used. */
    client?: ClientConfig;
    /** Dynamically registered clients (for a registered client's secret, if it got one). */
    registrations?: ClientRegistrationStore;
    /** Metadata cache to share with consents. Default: a new one using `fetch`. */
    discovery?: Discovery;
    /** The server name events carry for a key. Default: the resource's host. */
    serverName?: (key: TokenKey) => string;
    /** Clock, epoch milliseconds. Default `Date.now`. */
    now?: () => number;
    /**
     * How long a refresh lease lasts between renewals, in milliseconds, when the store offers
     * refresh leases (one refresh per key across processes). The holder renews it every third of
     * this while its grant runs; when a worker dies mid-refresh, the others wait at most this long
     * before one of them takes over. Default 15 000.
     */
    leaseTtlMs?: number;
}
/** The default of {@link RefresherOptions.leaseTtlMs}. */
export declare const DEFAULT_REFRESH_LEASE_TTL_MS = 15000;
/**
 * @internal The refresh in flight for `key` over `store`, if any: revocation waits for it, so it
 * revokes (and deletes) the newest tokens rather than racing a rotation.
 */
export declare function refreshInFlight(store: TokenStore, key: TokenKey): Promise<TokenSet> | undefined;
/**
 * Creates a {@link TokenRefresher}: the refresh-token grant (with the RFC 8707 `resource`) for
 * the tokens held under a key. Concurrent calls for the same key over the same store — from
 * this refresher or another one in the process — share one grant, and the rotated refresh
 * token is stored before the flight ends, so an old refresh token is never sent twice.
 *
 * When the authorization server refuses (`invalid_grant`) or no refresh token is held, the
 * stored tokens are dropped, `token.refresh_failed` is emitted and a {@link RefreshError}
 * with `consentRequired: true` is thrown: begin a consent with `reason: "refresh_failed"`.
 *
 * @see RFC 6749 §6, RFC 8707 §2.2, RFC 9700 §4.14 (refresh token rotation)
 * @example
 * const refresh = createRefresher({ tokens, bus });
 * const fresh = await refresh({ subject: "alice", resource: "https://files.example.com/mcp" });
 * @throws {RefreshError}
 */
export declare function createRefresher(options: RefresherOptions): TokenRefresher;
