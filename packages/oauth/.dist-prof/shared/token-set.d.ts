/** @module Turning a token endpoint response into a stored TokenSet. */
import type { TokenSet } from "@authbus/core";
import type * as oauth from "oauth4webapi";
/** `bearer` → `Bearer`, `dpop` → `DPoP` (oauth4webapi lower-cases `token_type`). */
export declare function tokenTypeName(tokenType: string): string;
/**
 * The token set to store for a token endpoint response: granted scopes from `scope`, else
 * `requestedScopes` (RFC 6749 §5.1: `scope` may be omitted when it is what was asked), and
 * the previous refresh token when a refresh response carries none (RFC 6749 §6).
 *
 * @see RFC 6749 §5.1, §6
 */
export declare function toTokenSet(response: oauth.TokenEndpointResponse, init: {
    requestedScopes: readonly string[];
    issuer: string;
    clientId: string;
    now: number;
    previousRefreshToken?: string | undefined;
}): TokenSet;
