/** @module RFC 9728 protected resource metadata: fetched, and used only when its `resource` is the server. */
import { isAuthbusError } from "@authbus/core";
import * as oauth from "oauth4webapi";
import { DiscoveryError, ResourceMismatchError } from "../errors/oauth-errors.js";
import { checkServerUrl, type HttpOptions } from "../shared/http-options.js";
import { readFirstMetadata } from "./read-first-metadata.js";
import { metadataResourceCovers } from "./resource-match.js";
import { protectedResourceMetadataUrls } from "./well-known-urls.js";

/** Protected resource metadata as oauth4webapi reads it (RFC 9728 §2). */
export type ProtectedResourceMetadata = oauth.ResourceServer;

/** What {@link discoverProtectedResource} found. */
export interface DiscoveredProtectedResource {
  metadata: ProtectedResourceMetadata;
  /** Where it was read from. */
  metadataUrl: string;
}

/** The `resource` a metadata response names, read from a copy of its body. */
async function namedResource(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { resource?: unknown } | null;
    return typeof body?.resource === "string" ? body.resource : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads a resource's protected resource metadata: from `resourceMetadataUrl` (the challenge's
 * `resource_metadata`) when given, else from the path-inserted then the root well-known URL.
 * The metadata is used only when its `resource` identifies this server (see
 * {@link metadataResourceCovers}); its `resource` is kept exactly as written, since that is the
 * identifier to send as RFC 8707 `resource`.
 *
 * A `resource_metadata` URL may be on another origin than the resource (a gateway or a metadata
 * host may serve it; RFC 9728 §5.1 does not require the same origin), under two rules: it is
 * checked before it is fetched like every URL a server hands us (`checkServerUrl`: https,
 * no credentials, and no private, loopback or link-local address other than the resource's own
 * host unless `allowPrivateNetworks`; RFC 9728 §7.7), and what it returns is used only when its
 * `resource` names this server's origin and path (RFC 9728 §3.3, §7.3), so a document from
 * elsewhere can never describe, or redirect the tokens of, a server it does not name.
 *
 * @see RFC 9728 §3, §3.3, §5.1, §7.3, §7.7, MCP 2025-11-25 Authorization §"Protected Resource Metadata Discovery Requirements"
 * @example
 * const { metadata } = await discoverProtectedResource("https://mcp.example.com/mcp");
 * metadata.authorization_servers; // ["https://auth.example.com"]
 * @throws {ResourceMismatchError} when the metadata names another resource.
 * @throws {DiscoveryError} when no metadata could be read, or `resource` is not a URL.
 * @throws {UrlRefusedError} when `resourceMetadataUrl` is refused (see above).
 * @throws {RequestTimeoutError | RequestAbortedError} when a request ran out of time or was aborted.
 */
export async function discoverProtectedResource(
  resource: string,
  resourceMetadataUrl: string | undefined,
  http: HttpOptions = {},
): Promise<DiscoveredProtectedResource> {
  let expected: URL;
  try {
    expected = new URL(resource);
  } catch {
    throw new DiscoveryError({ message: `resource ${JSON.stringify(resource.slice(0, 200))} is not a URL` });
  }
  const candidates = resourceMetadataUrl
    ? [checkServerUrl(resourceMetadataUrl, "resource_metadata", http, expected)]
    : protectedResourceMetadataUrls(expected);
  return readFirstMetadata(
    candidates,
    http,
    async (response, url) => {
      const named = await namedResource(response);
      // RFC 9728 §3.3: metadata naming another resource must not be used.
      if (named === undefined || !metadataResourceCovers(named, expected.href)) {
        throw new ResourceMismatchError({
          expected: expected.href,
          received: String(named),
          metadataUrl: url.href,
        });
      }
      // The rest of the document is checked by oauth4webapi, against the identifier it names.
      const metadata = await oauth.processResourceDiscoveryResponse(new URL(named), response);
      return { metadata, metadataUrl: url.href };
    },
    `protected resource metadata for ${expected.href}`,
    (error) => isAuthbusError(error, "RESOURCE_MISMATCH"),
  );
}
