import type { ClientConfig } from "./resolve-client.js";
/** A Client ID Metadata Document: RFC 7591 §2 client metadata whose `client_id` is its own URL. */
export interface ClientMetadataDocument {
    client_id: string;
    client_name: string;
    redirect_uris: string[];
    grant_types: string[];
    response_types: string[];
    token_endpoint_auth_method: "none";
    application_type: "native" | "web";
    client_uri?: string;
    logo_uri?: string;
}
export declare const INVALID_CLIENT_METADATA_URL: "INVALID_CLIENT_METADATA_URL";
/** A `metadataUrl` that cannot be a client id: not HTTPS, no path, or with a fragment. */
export declare class InvalidClientMetadataUrlError extends Error {
    readonly name = "InvalidClientMetadataUrlError";
    readonly code: "INVALID_CLIENT_METADATA_URL";
}
/** Recognises {@link InvalidClientMetadataUrlError} by `name`/`code`. */
export declare function isInvalidClientMetadataUrlError(error: unknown): error is InvalidClientMetadataUrlError;
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
export declare function createClientMetadataDocument(config: Pick<ClientConfig, "redirectUri" | "metadataUrl" | "clientName"> & {
    clientUri?: string;
    logoUri?: string;
}): ClientMetadataDocument;
