/** @module A cache of protected resource and authorization server metadata, shared by consents and refresh. */
import { normalizeResource } from "@authbus/core";
import { DiscoveryError } from "../errors/oauth-errors.js";
import type { HttpOptions } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import {
  type AuthorizationServerMetadata,
  discoverAuthorizationServer,
} from "./discover-authorization-server.js";
import { discoverProtectedResource, type ProtectedResourceMetadata } from "./discover-protected-resource.js";

/** Everything needed to send a person to consent for one resource. */
export interface ResourceDiscovery {
  /** The normalised resource identifier (RFC 8707), equal to `metadata.resource`. */
  resource: string;
  metadata: ProtectedResourceMetadata;
  metadataUrl: string;
  authorizationServer: AuthorizationServerMetadata;
}

/** Options of {@link createDiscovery}. */
export interface DiscoveryOptions extends HttpOptions {
  /** How long metadata is reused, in seconds. Default 3600. */
  cacheSeconds?: number;
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Cached discovery; see {@link createDiscovery}. */
export interface Discovery {
  /**
   * Protected resource metadata (RFC 9728) and its first authorization server's metadata
   * (RFC 8414 / OIDC). Fetched again when `resourceMetadataUrl` differs from the cached one.
   */
  forResource(resource: string, resourceMetadataUrl?: string): Promise<ResourceDiscovery>;
  /** Authorization server metadata for an issuer. */
  forIssuer(issuer: string): Promise<AuthorizationServerMetadata>;
  /** Forgets what is cached for a resource (and nothing else). */
  forget(resource: string): void;
  /** The transport options it was created with. */
  readonly http: HttpOptions;
}

interface Cached<T> {
  value: T;
  at: number;
}

/**
 * Creates a metadata cache. Concurrent look-ups of the same resource or issuer share one
 * request.
 *
 * @see RFC 9728 §3, RFC 8414 §3, MCP 2025-11-25 Authorization §"Authorization Server Discovery"
 * @example
 * const discovery = createDiscovery({ fetch });
 * const { authorizationServer } = await discovery.forResource("https://mcp.example.com/mcp");
 * @throws {ResourceMismatchError | PkceUnsupportedError | DiscoveryError} from its methods.
 */
export function createDiscovery(options: DiscoveryOptions = {}): Discovery {
  const http: HttpOptions = {};
  if (options.fetch) http.fetch = options.fetch;
  if (options.allowHttpLoopback !== undefined) http.allowHttpLoopback = options.allowHttpLoopback;
  const maxAge = (options.cacheSeconds ?? 3600) * 1000;
  const now = options.now ?? Date.now;
  const resources = new Map<string, Cached<ResourceDiscovery>>();
  const issuers = new Map<string, Cached<AuthorizationServerMetadata>>();
  const resourceFlights = new Map<string, Promise<ResourceDiscovery>>();
  const issuerFlights = new Map<string, Promise<AuthorizationServerMetadata>>();

  const fresh = <T>(entry: Cached<T> | undefined): entry is Cached<T> =>
    entry !== undefined && now() - entry.at < maxAge;

  const forIssuer = (issuer: string): Promise<AuthorizationServerMetadata> => {
    const key = new URL(issuer).href;
    const cached = issuers.get(key);
    if (fresh(cached)) return Promise.resolve(cached.value);
    return singleFlight(issuerFlights, key, async () => {
      const value = await discoverAuthorizationServer(issuer, http);
      issuers.set(key, { value, at: now() });
      return value;
    });
  };

  const forResource = (resource: string, resourceMetadataUrl?: string): Promise<ResourceDiscovery> => {
    const key = normalizeResource(resource);
    const hint = resourceMetadataUrl ? new URL(resourceMetadataUrl).href : undefined;
    const cached = resources.get(key);
    // A challenge naming different metadata than the cached one means it moved: fetch again.
    if (fresh(cached) && (hint === undefined || hint === cached.value.metadataUrl)) {
      return Promise.resolve(cached.value);
    }
    return singleFlight(resourceFlights, `${key} ${hint ?? ""}`, async () => {
      const { metadata, metadataUrl } = await discoverProtectedResource(key, hint, http);
      const issuer = metadata.authorization_servers?.[0];
      if (!issuer) {
        throw new DiscoveryError(
          `protected resource metadata at ${metadataUrl} lists no authorization_servers`,
          [metadataUrl],
        );
      }
      const authorizationServer = await forIssuer(issuer);
      const value: ResourceDiscovery = { resource: key, metadata, metadataUrl, authorizationServer };
      resources.set(key, { value, at: now() });
      return value;
    });
  };

  return {
    forResource,
    forIssuer,
    forget: (resource) => {
      resources.delete(normalizeResource(resource));
    },
    http,
  };
}
