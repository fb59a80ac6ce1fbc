/**
 * The union of scope lists, first occurrence order kept, empty strings dropped.
 *
 * @see RFC 6749 §3.3
 * @example
 * unionScopes(["calendar.read"], ["calendar.read", "files.write"]); // ["calendar.read", "files.write"]
 */
export function unionScopes(...lists) {
    const union = [];
    for (const list of lists) {
        for (const scope of list ?? []) {
            if (scope !== "" && !union.includes(scope))
                union.push(scope);
        }
    }
    return union;
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
export function selectScopes(input) {
    // MCP 2025-11-25: the challenge's scope first, else scopes_supported of the resource metadata.
    const wanted = input.challenged && input.challenged.length > 0 ? input.challenged : input.resourceScopes;
    // Step-up asks for the union of held and challenged scopes.
    const held = input.reason === "missing_token" ? [] : input.held;
    const offline = input.authorizationServerScopes?.includes("offline_access") ? ["offline_access"] : [];
    return unionScopes(held, wanted, offline);
}
/** A key for a scope set that ignores order and duplicates. */
export function scopeSetKey(scopes) {
    return [...new Set(scopes)].sort().join(" ");
}
