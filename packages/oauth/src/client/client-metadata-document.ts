/** @module The Client ID Metadata Document an app publishes at the URL that is its `client_id`. */
import { AuthbusError } from "@authbus/core";
import { isLoopback } from "../shared/http-options.js";
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
 * @throws {AuthbusError} `INVALID_CLIENT_METADATA_URL` when `metadataUrl` is missing, not https, has no path or has a fragment.
 */
export function createClientMetadataDocument(
  config: Pick<ClientConfig, "redirectUri" | "metadataUrl" | "clientName"> & {
    clientUri?: string;
    logoUri?: string;
  },
): ClientMetadataDocument {
  const url = config.metadataUrl;
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  // CIMD §3: an https URL with a path component, no fragment.
  if (parsed?.protocol !== "https:" || parsed.pathname === "/" || parsed.hash !== "") {
    throw new AuthbusError({
      code: "INVALID_CLIENT_METADATA_URL",
      message: `client metadataUrl ${JSON.stringify(url ?? null)} must be an https URL with a path and no fragment`,
    });
  }
  const document: ClientMetadataDocument = {
    client_id: url as string,
    client_name: config.clientName ?? "authbus",
    redirect_uris: [config.redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
    application_type: isLoopback(config.redirectUri) ? "native" : "web",
  };
  if (config.clientUri !== undefined) document.client_uri = config.clientUri;
  if (config.logoUri !== undefined) document.logo_uri = config.logoUri;
  return document;
}
