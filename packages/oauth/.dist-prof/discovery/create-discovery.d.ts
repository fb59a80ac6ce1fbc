import { type HttpOptions } from "../shared/http-options.js";
import { type AuthorizationServerMetadata } from "./discover-authorization-server.js";
import { type ProtectedResourceMetadata } from "./discover-protected-resource.js";
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
    forResource(resource: string, resourceMetadataUrl?: string, options?: ForResourceOptions): Promise<ResourceDiscovery>;
    /** Authorization server metadata for an issuer. */
    forIssuer(issuer: string): Promise<AuthorizationServerMetadata>;
    /** Forgets what is cached for a resource (and nothing else). */
    forget(resource: string): void;
    /** The transport options it was created with. */
    readonly http: HttpOptions;
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
export declare function createDiscovery(options?: DiscoveryOptions): Discovery;
