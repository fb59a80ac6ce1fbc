/** @module A cache of protected resource and authorization server metadata, shared by consents and refresh. */
import { isAuthbusError, normalizeResource } from "@authbus/core";
import { DiscoveryError } from "../errors/oauth-errors.js";
import {
  assertSecureUrl,
  checkServerUrl,
  type HttpOptions,
  pickHttpOptions,
} from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import {
  type AuthorizationServerMetadata,
  discoverAuthorizationServer,
} from "./discover-authorization-server.js";
import { discoverProtectedResource, type ProtectedResourceMetadata } from "./discover-protected-resource.js";

/** Everything needed to send a person to consent for one resource. */
export interface ResourceDiscovery {
  /** The normalised MCP server URL this was discovered for: the token store's key. */
  resource: string;
  /**
   * The resource identifier to send as RFC 8707 `resource`: `metadata.resource` exactly as the
   * protected resource metadata states it (it may be the server's origin or a parent path), or
   * the server URL when the server publishes no metadata.
   */
  resourceIndicator: string;
  /**
   * Set when the server publishes no protected resource metadata and the MCP 2025-03-26 rules
   * were used: `"metadata"` (authorization server metadata at the server's origin) or
   * `"default-endpoints"` (`/authorize`, `/token`, `/register` at the origin).
   */
  legacy?: "metadata" | "default-endpoints";
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
  /**
   * Fall back to the MCP 2025-03-26 discovery when a server publishes no protected resource
   * metadata: authorization server metadata at the server's origin, else its default endpoints.
   * Default `true`; set `false` to require RFC 9728 metadata.
   */
  legacyDiscovery?: boolean;
}

/** Options of {@link Discovery.forResource}. */
export interface ForResourceOptions {
  /**
   * Ignore what is cached for the resource and read its metadata again: used when a token was
   * refused, since the server may have moved to another authorization server (MCP 2026-07-28,
   * SEP-2352).
   */
  fresh?: boolean;
}

/** Cached discovery; see {@link createDiscovery}. */
export interface Discovery {
  /**
   * Protected resource metadata (RFC 9728) and its first authorization server's metadata
   * (RFC 8414 / OIDC). Fetched again when `resourceMetadataUrl` differs from the cached one.
   */
  forResource(
    resource: string,
    resourceMetadataUrl?: string,
    options?: ForResourceOptions,
  ): Promise<ResourceDiscovery>;
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
  const http: HttpOptions = pickHttpOptions(options);
  const maxAge = (options.cacheSeconds ?? 3600) * 1000;
  const now = options.now ?? Date.now;
  const resources = new Map<string, Cached<ResourceDiscovery>>();
  const issuers = new Map<string, Cached<AuthorizationServerMetadata>>();
  const resourceFlights = new Map<string, Promise<ResourceDiscovery>>();
  const issuerFlights = new Map<string, Promise<AuthorizationServerMetadata>>();

  const fresh = <T>(entry: Cached<T> | undefined): entry is Cached<T> =>
    entry !== undefined && now() - entry.at < maxAge;

  const forIssuer = (issuer: string): Promise<AuthorizationServerMetadata> => {
    let key: string;
    try {
      key = new URL(issuer).href;
    } catch {
      return Promise.reject(
        new DiscoveryError({ message: `issuer ${JSON.stringify(issuer.slice(0, 200))} is not a URL` }),
      );
    }
    const cached = issuers.get(key);
    if (fresh(cached)) return Promise.resolve(cached.value);
    return singleFlight(issuerFlights, key, async () => {
      const value = await discoverAuthorizationServer(issuer, http);
      issuers.set(key, { value, at: now() });
      return value;
    });
  };

  const legacyDiscovery = options.legacyDiscovery ?? true;
  const secure = (url: string): boolean => {
    try {
      assertSecureUrl(url, http);
      return true;
    } catch {
      return false;
    }
  };

  /** MCP 2025-03-26 §"Server Metadata Discovery": the origin is the authorization server. */
  const discoverLegacy = async (key: string): Promise<ResourceDiscovery> => {
    const origin = new URL(key).origin;
    try {
      const authorizationServer = await forIssuer(origin);
      return {
        resource: key,
        resourceIndicator: key,
        metadata: { resource: key },
        metadataUrl: "",
        authorizationServer,
        legacy: "metadata",
      };
    } catch (error) {
      if (!isAuthbusError(error, "DISCOVERY_FAILED")) throw error;
    }
    // MCP 2025-03-26 §"Fallbacks for Servers without Metadata Discovery"; PKCE (S256) is
    // still used, as that revision requires it of every client.
    const authorizationServer: AuthorizationServerMetadata = {
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      code_challenge_methods_supported: ["S256"],
    };
    // Kept with the discovered issuers, so the callback and refresh find the same endpoints.
    issuers.set(new URL(origin).href, { value: authorizationServer, at: now() });
    return {
      resource: key,
      resourceIndicator: key,
      metadata: { resource: key },
      metadataUrl: "",
      authorizationServer,
      legacy: "default-endpoints",
    };
  };

  const forResource = (
    resource: string,
    resourceMetadataUrl?: string,
    lookup: ForResourceOptions = {},
  ): Promise<ResourceDiscovery> => {
    const key = normalizeResource(resource);
    let hint: string | undefined;
    try {
      // RFC 9728 §7.7: a challenge's resource_metadata is checked before it is fetched (see checkServerUrl).
      hint = resourceMetadataUrl
        ? checkServerUrl(resourceMetadataUrl, "resource_metadata", http, new URL(key)).href
        : undefined;
    } catch (error) {
      return Promise.reject(error);
    }
    const cached = resources.get(key);
    // A challenge naming different metadata than the cached one means it moved: fetch again.
    if (!lookup.fresh && fresh(cached) && (hint === undefined || hint === cached.value.metadataUrl)) {
      return Promise.resolve(cached.value);
    }
    return singleFlight(resourceFlights, `${key} ${hint ?? ""} ${lookup.fresh ? "fresh" : ""}`, async () => {
      let found: Awaited<ReturnType<typeof discoverProtectedResource>>;
      try {
        found = await discoverProtectedResource(key, hint, http);
      } catch (error) {
        // Only a server that publishes no metadata at all gets the 2025-03-26 rules.
        if (
          !legacyDiscovery ||
          hint !== undefined ||
          !isAuthbusError(error, "DISCOVERY_FAILED") ||
          !secure(key)
        )
          throw error;
        const value = await discoverLegacy(key);
        resources.set(key, { value, at: now() });
        return value;
      }
      const { metadata, metadataUrl } = found;
      const issuer = metadata.authorization_servers?.[0];
      if (!issuer) {
        throw new DiscoveryError({
          message: `protected resource metadata at ${metadataUrl} lists no authorization_servers`,
          tried: [metadataUrl],
        });
      }
      // RFC 9728 §7.7: the authorization server a resource names is a URL it handed us.
      checkServerUrl(issuer, "authorization server", http, new URL(key));
      const authorizationServer = await forIssuer(issuer);
      const value: ResourceDiscovery = {
        resource: key,
        resourceIndicator: metadata.resource,
        metadata,
        metadataUrl,
        authorizationServer,
      };
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
