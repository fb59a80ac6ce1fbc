/** @module Whether protected resource metadata may be used for an MCP server: RFC 9728 §3.3 as MCP applies it. */
function parse(value) {
    try {
        return new URL(value);
    }
    catch {
        return undefined;
    }
}
function trimSlash(path) {
    return path.endsWith("/") ? path.slice(0, -1) : path;
}
/**
 * Tells whether the `resource` named by protected resource metadata identifies the server at
 * `serverUrl`: the same origin, and a path equal to the server's or an ancestor of it on a
 * segment boundary (`https://h` and `https://h/api` cover `https://h/api/mcp`; `https://h/ap`
 * does not). A query, if the metadata names one, must be the server's.
 *
 * RFC 9728 §3.3 requires the metadata's `resource` to be the identifier the metadata URL was
 * built from. An MCP client builds two (MCP Authorization §"Protected Resource Metadata
 * Discovery"): the path-inserted one from the server URL and the root one from its origin, and a
 * server's `resource_metadata` may describe a resource that contains it. Identifiers are
 * compared after RFC 3986 §6.2.2–6.2.3 normalisation (case of scheme and host, default port,
 * empty path), as the WHATWG URL parser applies it; anything else must match exactly.
 *
 * @see RFC 9728 §3.3, §7.3, RFC 8707 §2, RFC 3986 §6.2.2–6.2.3
 * @example
 * metadataResourceCovers("https://mcp.example.com", "https://mcp.example.com/mcp"); // true
 * metadataResourceCovers("https://evil.example.com/mcp", "https://mcp.example.com/mcp"); // false
 */
export function metadataResourceCovers(metadataResource, serverUrl) {
    const named = parse(metadataResource);
    const server = parse(serverUrl);
    if (!named || !server || named.hash !== "")
        return false;
    if (named.origin !== server.origin || named.origin === "null")
        return false;
    if (named.search !== "" && named.search !== server.search)
        return false;
    const ancestor = trimSlash(named.pathname);
    const path = trimSlash(server.pathname);
    return ancestor === path || path.startsWith(`${ancestor}/`);
}
