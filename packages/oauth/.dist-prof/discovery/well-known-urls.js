/** @module The well-known metadata URLs an MCP client tries, in the order MCP 2025-11-25 gives. */
function splitPath(url) {
    // RFC 8414 §3.1 / RFC 9728 §3.1: a terminating "/" of the path is removed before insertion.
    const path = url.pathname.replace(/\/+$/, "");
    return path === "" ? "" : path;
}
/**
 * Protected resource metadata URLs for a resource without a `resource_metadata` hint: the
 * path-inserted well-known URL first (when the resource has a path), then the root one.
 *
 * @see RFC 9728 §3.1, MCP 2025-11-25 Authorization §"Protected Resource Metadata Discovery Requirements"
 * @example
 * protectedResourceMetadataUrls("https://mcp.example.com/public/mcp").map(String);
 * // ["https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp",
 * //  "https://mcp.example.com/.well-known/oauth-protected-resource"]
 */
export function protectedResourceMetadataUrls(resource) {
    const url = new URL(resource);
    const path = splitPath(url);
    const root = new URL("/.well-known/oauth-protected-resource", url.origin);
    if (path === "")
        return [root];
    return [new URL(`/.well-known/oauth-protected-resource${path}`, url.origin), root];
}
/**
 * Authorization server metadata URLs for an issuer, path-aware: for an issuer with a path,
 * RFC 8414 path insertion, then OpenID Connect Discovery with path insertion, then OpenID
 * Connect Discovery with the path appended; for an issuer without a path, RFC 8414 then
 * OpenID Connect Discovery.
 *
 * @see RFC 8414 §3.1, OpenID Connect Discovery 1.0 §4, MCP 2025-11-25 Authorization §"Authorization Server Metadata Discovery"
 * @example
 * authorizationServerMetadataUrls("https://auth.example.com/tenant1").map(String);
 * // ["https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
 * //  "https://auth.example.com/.well-known/openid-configuration/tenant1",
 * //  "https://auth.example.com/tenant1/.well-known/openid-configuration"]
 */
export function authorizationServerMetadataUrls(issuer) {
    const url = new URL(issuer);
    const path = splitPath(url);
    if (path === "") {
        return [
            new URL("/.well-known/oauth-authorization-server", url.origin),
            new URL("/.well-known/openid-configuration", url.origin),
        ];
    }
    return [
        new URL(`/.well-known/oauth-authorization-server${path}`, url.origin),
        new URL(`/.well-known/openid-configuration${path}`, url.origin),
        new URL(`${path}/.well-known/openid-configuration`, url.origin),
    ];
}
