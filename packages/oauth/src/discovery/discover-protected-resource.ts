/** @module RFC 9728 protected resource metadata: fetched, and used only when its `resource` is the server. */
import * as oauth from "oauth4webapi";
import { isResourceMismatchError, ResourceMismatchError } from "../errors/oauth-errors.js";
import type { HttpOptions } from "../shared/http-options.js";
import { readFirstMetadata } from "./read-first-metadata.js";
import { protectedResourceMetadataUrls } from "./well-known-urls.js";

/** Protected resource metadata as oauth4webapi reads it (RFC 9728 §2). */
export type ProtectedResourceMetadata = oauth.ResourceServer;

/** What {@link discoverProtectedResource} found. */
export interface DiscoveredProtectedResource {
  metadata: ProtectedResourceMetadata;
  /** Where it was read from. */
  metadataUrl: string;
}

/**
 * Reads a resource's protected resource metadata: from `resourceMetadataUrl` (the challenge's
 * `resource_metadata`) when given, else from the path-inserted then the root well-known URL.
 * The metadata's `resource` must be `resource` exactly.
 *
 * @see RFC 9728 §3, §3.3, §5.1, MCP 2025-11-25 Authorization §"Protected Resource Metadata Discovery Requirements"
 * @example
 * const { metadata } = await discoverProtectedResource("https://mcp.example.com/mcp");
 * metadata.authorization_servers; // ["https://auth.example.com"]
 * @throws {ResourceMismatchError} when the metadata names another resource.
 * @throws {DiscoveryError} when no metadata could be read.
 */
export async function discoverProtectedResource(
  resource: string,
  resourceMetadataUrl: string | undefined,
  http: HttpOptions = {},
): Promise<DiscoveredProtectedResource> {
  const expected = new URL(resource);
  const candidates = resourceMetadataUrl
    ? [new URL(resourceMetadataUrl)]
    : protectedResourceMetadataUrls(expected);
  return readFirstMetadata(
    candidates,
    http,
    async (response, url) => {
      try {
        const metadata = await oauth.processResourceDiscoveryResponse(expected, response);
        return { metadata, metadataUrl: url.href };
      } catch (error) {
        // RFC 9728 §3.3: resource must match, else the metadata must not be used.
        if (
          error instanceof oauth.OperationProcessingError &&
          error.code === oauth.JSON_ATTRIBUTE_COMPARISON
        ) {
          const body = (error.cause as { body?: { resource?: unknown } } | undefined)?.body;
          throw new ResourceMismatchError(expected.href, String(body?.resource), url.href);
        }
        throw error;
      }
    },
    `protected resource metadata for ${expected.href}`,
    isResourceMismatchError,
  );
}
