/** @module RFC 8414 / OpenID Connect authorization server metadata, path-aware, with the PKCE S256 check. */
import * as oauth from "oauth4webapi";
import { PkceUnsupportedError } from "../errors/oauth-errors.js";
import type { HttpOptions } from "../shared/http-options.js";
import { readFirstMetadata } from "./read-first-metadata.js";
import { authorizationServerMetadataUrls } from "./well-known-urls.js";

/** Authorization server metadata as oauth4webapi reads it (RFC 8414 §2). */
export type AuthorizationServerMetadata = oauth.AuthorizationServer;

/**
 * Reads an authorization server's metadata from the first well-known URL that answers (RFC
 * 8414 path insertion, then OpenID Connect Discovery), checks its `issuer` (oauth4webapi
 * `processDiscoveryResponse`) and that it supports PKCE with S256.
 *
 * @see RFC 8414 §3, §3.3, OpenID Connect Discovery 1.0 §4, RFC 7636 §4.2
 * @example
 * const as = await discoverAuthorizationServer("https://auth.example.com");
 * as.authorization_endpoint; // "https://auth.example.com/authorize"
 * @throws {PkceUnsupportedError} when `code_challenge_methods_supported` lacks `S256`.
 * @throws {DiscoveryError} when no metadata could be read.
 */
export async function discoverAuthorizationServer(
  issuer: string,
  http: HttpOptions = {},
): Promise<AuthorizationServerMetadata> {
  const expected = new URL(issuer);
  const metadata = await readFirstMetadata(
    authorizationServerMetadataUrls(expected),
    http,
    (response) => oauth.processDiscoveryResponse(expected, response),
    `authorization server metadata for issuer ${expected.href}`,
  );
  assertPkceS256(metadata);
  return metadata;
}

/**
 * Refuses an authorization server that does not advertise PKCE S256.
 *
 * @see RFC 8414 §2 (`code_challenge_methods_supported`), MCP 2025-11-25 Authorization §"Authorization Code Protection"
 * @example
 * assertPkceS256(await discoverAuthorizationServer("https://auth.example.com"));
 * @throws {PkceUnsupportedError}
 */
export function assertPkceS256(metadata: AuthorizationServerMetadata): void {
  // MCP 2025-11-25: absent code_challenge_methods_supported means no PKCE; refuse.
  if (!metadata.code_challenge_methods_supported?.includes("S256")) {
    throw new PkceUnsupportedError(metadata.issuer);
  }
}
