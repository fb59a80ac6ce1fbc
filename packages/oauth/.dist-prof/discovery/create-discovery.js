/** @module A cache of protected resource and authorization server metadata, shared by consents and refresh. */
import { normalizeResource } from "@authbus/core";
import { DiscoveryError, isDiscoveryError } from "../errors/oauth-errors.js";
import { assertSecureUrl, checkServerUrl, pickHttpOptions, } from "../shared/http-options.js";
import { singleFlight } from "../shared/single-flight.js";
import { discoverAuthorizationServer, } from "./discover-authorization-server.js";
import { discoverProtectedResource } from "./discover-protected-resource.js";
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
export function createDiscovery(options = {}) {
    const http = pickHttpOptions(options);
    const maxAge = (options.cacheSeconds ?? 3600) * 1000;
    const now = options.now ?? Date.now;
    const resources = new Map();
    const issuers = new Map();
    const resourceFlights = new Map();
    const issuerFlights = new Map();
    const fresh = (entry) => entry !== undefined && now() - entry.at < maxAge;
    const forIssuer = (issuer) => {
        let key;
        try {
            key = new URL(issuer).href;
        }
        catch {
            return Promise.reject(new DiscoveryError(`issuer ${JSON.stringify(issuer.slice(0, 200))} is not a URL`));
        }
        const cached = issuers.get(key);
        if (fresh(cached))
            return Promise.resolve(cached.value);
        return singleFlight(issuerFlights, key, async () => {
            const value = await discoverAuthorizationServer(issuer, http);
            issuers.set(key, { value, at: now() });
            return value;
        });
    };
    const legacyDiscovery = options.legacyDiscovery ?? true;
    const secure = (url) => {
        try {
            assertSecureUrl(url, http);
            return true;
        }
        catch {
            return false;
        }
    };
    /** MCP 2025-03-26 §"Server Metadata Discovery": the origin is the authorization server. */
    const discoverLegacy = async (key) => {
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
        }
        catch (error) {
            if (!isDiscoveryError(error))
                throw error;
        }
        // MCP 2025-03-26 §"Fallbacks for Servers without Metadata Discovery"; PKCE (S256) is
        // still used, as that revision requires it of every client.
        const authorizationServer = {
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
    const forResource = (resource, resourceMetadataUrl, lookup = {}) => {
        const key = normalizeResource(resource);
        let hint;
        try {
            // RFC 9728 §7.7: a challenge's resource_metadata is checked before it is fetched (see checkServerUrl).
            hint = resourceMetadataUrl
                ? checkServerUrl(resourceMetadataUrl, "resource_metadata", http, new URL(key)).href
                : undefined;
        }
        catch (error) {
            return Promise.reject(error);
        }
        const cached = resources.get(key);
        // A challenge naming different metadata than the cached one means it moved: fetch again.
        if (!lookup.fresh && fresh(cached) && (hint === undefined || hint === cached.value.metadataUrl)) {
            return Promise.resolve(cached.value);
        }
        return singleFlight(resourceFlights, `${key} ${hint ?? ""} ${lookup.fresh ? "fresh" : ""}`, async () => {
            let found;
            try {
                found = await discoverProtectedResource(key, hint, http);
            }
            catch (error) {
                // Only a server that publishes no metadata at all gets the 2025-03-26 rules.
                if (!legacyDiscovery || hint !== undefined || !isDiscoveryError(error) || !secure(key))
                    throw error;
                const value = await discoverLegacy(key);
                resources.set(key, { value, at: now() });
                return value;
            }
            const { metadata, metadataUrl } = found;
            const issuer = metadata.authorization_servers?.[0];
            if (!issuer) {
                throw new DiscoveryError(`protected resource metadata at ${metadataUrl} lists no authorization_servers`, [metadataUrl]);
            }
            // RFC 9728 §7.7: the authorization server a resource names is a URL it handed us.
            checkServerUrl(issuer, "authorization server", http, new URL(key));
            const authorizationServer = await forIssuer(issuer);
            const value = {
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
