/** @module Where a resource's token may go: its origin for a request, and after a redirect only inside its path (RFC 8707). */

/** Which URLs a resource's token is sent to; see {@link createResourceScope}. */
export interface ResourceScope {
  /** Whether `url` is on the resource's origin: a request there carries the token. */
  isResourceOrigin(url: string): boolean;
  /** Whether `url` is inside the resource's path on its origin: a redirect there keeps the token. */
  isWithinResource(url: string): boolean;
}

/**
 * The scope of the token for `resource` (a normalised resource URL).
 *
 * @see RFC 8707 §2, RFC 6750 §5.3
 */
export function createResourceScope(resource: string): ResourceScope {
  const origin = new URL(resource).origin;
  // The origin followed by "/" ends the authority, so a prefix match is exact; anything else is parsed.
  const originSlash = `${origin}/`;
  // A redirect may point anywhere on the origin, e.g. to another MCP server behind the same
  // gateway; the token follows it only inside the resource's own path (RFC 8707: a token is
  // for its resource).
  const resourcePath = new URL(resource).pathname;
  const resourcePrefix = resourcePath.endsWith("/") ? resourcePath : `${resourcePath}/`;
  return {
    isResourceOrigin: (url) =>
      url.startsWith(originSlash) || url === origin || new URL(url).origin === origin,
    isWithinResource: (url) => {
      const target = new URL(url);
      return (
        target.origin === origin &&
        (target.pathname === resourcePath || target.pathname.startsWith(resourcePrefix))
      );
    },
  };
}
