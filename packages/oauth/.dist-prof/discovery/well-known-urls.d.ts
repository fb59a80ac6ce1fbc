/** @module The well-known metadata URLs an MCP client tries, in the order MCP 2025-11-25 gives. */
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
export declare function protectedResourceMetadataUrls(resource: string | URL): URL[];
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
export declare function authorizationServerMetadataUrls(issuer: string | URL): URL[];
