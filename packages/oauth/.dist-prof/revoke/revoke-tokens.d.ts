/** @module Forgetting a grant: RFC 7009 revocation at the authorization server, then deletion from the TokenStore. */
import { type AuthBus, type TokenKey, type TokenStore } from "@authbus/core";
import type { ClientRegistrationStore } from "../client/client-registration-store.js";
import { type ClientConfig } from "../client/resolve-client.js";
import { type Discovery } from "../discovery/create-discovery.js";
import { type HttpOptions } from "../shared/http-options.js";
/** Options of {@link revokeTokens}. */
export interface RevokeTokensOptions extends HttpOptions {
    /** Where the tokens are kept; they are deleted from it in every case. */
    tokens: TokenStore;
    /** Receives `token.revoked` when tokens were held. */
    bus?: AuthBus;
    /** The client config used for consents, so a confidential client authenticates (RFC 7009 §2.1). */
    client?: ClientConfig;
    /** Dynamically registered clients (for a registered client's secret, if it got one). */
    registrations?: ClientRegistrationStore;
    /** Metadata cache to share with consents and refresh. Default: a new one with these options. */
    discovery?: Discovery;
    /** The server name the event carries. Default: the resource's host. */
    serverName?: (key: TokenKey) => string;
}
/** A token type RFC 7009 §2.1 names in `token_type_hint`. */
export type RevokedTokenType = "refresh_token" | "access_token";
/**
 * What happened at the authorization server: `revoked` (it revoked every token it can; `revoked`
 * lists them), `unsupported` (no `revocation_endpoint` in its metadata, or it revokes neither
 * token type), `failed` (unreachable, timed out or refused; see `error`), `skipped` (nothing was
 * sent: no tokens were held, or they could not be read).
 */
export type RevocationOutcome = "revoked" | "unsupported" | "failed" | "skipped";
/** The result of {@link revokeTokens}. */
export interface RevokeTokensResult {
    /** Whether tokens were held for the key. Either way, none are held now. */
    held: boolean;
    server: RevocationOutcome;
    /**
     * The token types the server confirmed revoking, in the order sent. An access token the server
     * cannot revoke (RFC 7009 §2.2.1 `unsupported_token_type`, e.g. a JWT) is missing here and
     * stays valid until it expires, although revoking the refresh token usually ends its grant.
     */
    revoked: RevokedTokenType[];
    /** Why `server` is `failed` or a held value was `skipped`: a typed error, never holding a token. */
    error?: Error;
}
/**
 * Forgets a person's grant for a resource: revokes the refresh token, then the access token, at
 * the authorization server's `revocation_endpoint` when its metadata advertises one (RFC 7009
 * §2.1, authenticating as the client the tokens were issued to), and deletes them from the
 * `TokenStore`. The tokens are deleted locally in every case, also when the server is
 * unreachable, times out (`timeoutMs`) or refuses; the result says what the server confirmed.
 * A refresh in flight for the key (from `createRefresher` over the same store) is awaited first,
 * so the newest tokens are the ones revoked. Emits `token.revoked` (fingerprints only) when
 * tokens were held.
 *
 * Revocation comes first and deletion second, the order that survives a crash in between: a
 * revoked token left in the store fails at next use (`invalid_grant`, a new consent), while a
 * token deleted but never revoked would stay valid at the server.
 *
 * @see RFC 7009 §2.1, §2.2, §2.2.1
 * @example
 * const result = await revokeTokens({ subject: "alice", resource: "https://files.example.com/mcp" },
 *   { tokens: stores.tokens, bus, client, registrations: stores.registrations });
 * if (result.server === "failed") console.warn(`deleted locally; the server said: ${result.error?.message}`);
 * @throws {InvalidStoreKeyError} for a malformed key; otherwise only when the store cannot delete.
 */
export declare function revokeTokens(key: TokenKey, options: RevokeTokensOptions): Promise<RevokeTokensResult>;
