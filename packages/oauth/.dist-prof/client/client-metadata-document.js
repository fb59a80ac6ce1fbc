/** @module The Client ID Metadata Document an app publishes at the URL that is its `client_id`. */
import { isLoopback } from "../shared/http-options.js";
export const INVALID_CLIENT_METADATA_URL = "INVALID_CLIENT_METADATA_URL";
/** A `metadataUrl` that cannot be a client id: not HTTPS, no path, or with a fragment. */
export class InvalidClientMetadataUrlError extends Error {
    name = "InvalidClientMetadataUrlError";
    code = INVALID_CLIENT_METADATA_URL;
}
/** Recognises {@link InvalidClientMetadataUrlError} by `name`/`code`. */
export function isInvalidClientMetadataUrlError(error) {
    return (error instanceof Error &&
        error.name === "InvalidClientMetadataUrlError" &&
        error.code === INVALID_CLIENT_METADATA_URL);
}
/**
 * Builds the JSON document to serve (as `application/json`) at `config.metadataUrl`. The
 * client is public (PKCE, no secret), as a document anyone can read cannot hold one.
 *
 * @see draft-ietf-oauth-client-id-metadata-document §3, §4.1; MCP 2026-07-28 Authorization §"Client ID Metadata Documents"; RFC 7591 §2
 * @example
 * const document = createClientMetadataDocument({
 *   redirectUri: "https://app.example.com/oauth/callback",
 *   metadataUrl: "https://app.example.com/oauth/client-metadata.json",
 *   clientName: "Example agent",
 * });
 * // serve JSON.stringify(document) at metadataUrl
 * @throws {InvalidClientMetadataUrlError} when `metadataUrl` is missing, not https, has no path or has a fragment.
 */
export function createClientMetadataDocument(config) {
    const url = config.metadataUrl;
    let parsed;
    try {
        parsed = url === undefined ? undefined : new URL(url);
    }
    catch {
        parsed = undefined;
    }
    // CIMD §3: an https URL with a path component, no fragment.
    if (parsed?.protocol !== "https:" || parsed.pathname === "/" || parsed.hash !== "") {
        throw new InvalidClientMetadataUrlError(`client metadataUrl ${JSON.stringify(url ?? null)} must be an https URL with a path and no fragment`);
    }
    const document = {
        client_id: url,
        client_name: config.clientName ?? "authbus",
        redirect_uris: [config.redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
        application_type: isLoopback(config.redirectUri) ? "native" : "web",
    };
    if (config.clientUri !== undefined)
        document.client_uri = config.clientUri;
    if (config.logoUri !== undefined)
        document.logo_uri = config.logoUri;
    return document;
}
