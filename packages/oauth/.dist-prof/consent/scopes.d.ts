/** @module Which scopes a consent asks for (MCP 2025-11-25 scope selection, step-up union). */
import type { ConsentReason } from "@authbus/core";
/**
 * The union of scope lists, first occurrence order kept, empty strings dropped.
 *
 * @see RFC 6749 §3.3
 * @example
 * unionScopes(["calendar.read"], ["calendar.read", "files.write"]); // ["calendar.read", "files.write"]
 */
export declare function unionScopes(...lists: ReadonlyArray<readonly string[] | undefined>): string[];
/** The inputs of {@link selectScopes}. */
export interface ScopeSelectionInput {
    /** Why consent is needed. */
    reason: ConsentReason;
    /** The challenge's `scope`, if it had one. */
    challenged?: readonly string[] | undefined;
    /** `scopes_supported` of the protected resource metadata. */
    resourceScopes?: readonly string[] | undefined;
    /** Scopes of the token already held for (subject, resource). */
    held?: readonly string[] | undefined;
    /** `scopes_supported` of the authorization server (for `offline_access`). */
    authorizationServerScopes?: readonly string[] | undefined;
}
/**
 * Picks the scopes to request: the challenge's `scope`, else the resource's
 * `scopes_supported`; when a token is already held and this is not a first consent, the union
 * with the held scopes (so step-up never loses access); and `offline_access` when the
 * authorization server supports it, so a refresh token is issued.
 *
 * @see MCP 2025-11-25 Authorization §"Scope Selection Strategy", §"Step-Up Authorization Flow"; RFC 6750 §3.1; OpenID Connect Core §11
 * @example
 * selectScopes({ reason: "insufficient_scope", challenged: ["files.write"], held: ["calendar.read"] });
 * // ["calendar.read", "files.write"]
 */
export declare function selectScopes(input: ScopeSelectionInput): string[];
/** A key for a scope set that ignores order and duplicates. */
export declare function scopeSetKey(scopes: readonly string[]): string;
