/** `bearer` → `Bearer`, `dpop` → `DPoP` (oauth4webapi lower-cases `token_type`). */
export function tokenTypeName(tokenType) {
    if (tokenType === "bearer")
        return "Bearer";
    if (tokenType === "dpop")
        return "DPoP";
    return tokenType;
}
/**
 * The token set to store for a token endpoint response: granted scopes from `scope`, else
 * `requestedScopes` (RFC 6749 §5.1: `scope` may be omitted when it is what was asked), and
 * the previous refresh token when a refresh response carries none (RFC 6749 §6).
 *
 * @see RFC 6749 §5.1, §6
 */
export function toTokenSet(response, init) {
    const granted = typeof response.scope === "string" ? response.scope.split(" ").filter(Boolean) : undefined;
    const tokens = {
        accessToken: response.access_token,
        tokenType: tokenTypeName(response.token_type),
        scopes: granted ?? [...init.requestedScopes],
        issuer: init.issuer,
        clientId: init.clientId,
    };
    const refreshToken = response.refresh_token ?? init.previousRefreshToken;
    if (refreshToken)
        tokens.refreshToken = refreshToken;
    if (typeof response.expires_in === "number") {
        tokens.expiresAt = Math.floor(init.now + response.expires_in * 1000);
    }
    return tokens;
}
