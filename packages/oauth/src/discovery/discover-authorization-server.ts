/** @module RFC 8414 / OpenID Connect authorization server metadata, path-aware, with the PKCE S256 check. */
import * as oauth from "oauth4webapi";
import { DiscoveryError, PkceUnsupportedError } from "../errors/oauth-errors.js";
import { checkServerUrl, type HttpOptions } from "../shared/http-options.js";
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
 * The endpoints this package sends requests to (token, registration, revocation, and the
 * other back-channel endpoints) are checked like every URL a server hands us (see
 * `checkServerUrl`), anchored at the issuer's host; `authorization_endpoint` (the browser's,
 * not ours) must be an absolute http(s) URL.
 *
 * @throws {UrlRefusedError} when an endpoint is not a URL, not https, or in a private network.
 * @throws {DiscoveryError} when no metadata could be read, or `issuer` is not a URL.
 * @throws {RequestTimeoutError | RequestAbortedError} when a metadata request ran out of time or was aborted.
 */
export async function discoverAuthorizationServer(
  issuer: string,
  http: HttpOptions = {},
): Promise<AuthorizationServerMetadata> {
  let expected: URL;
  try {
    expected = new URL(issuer);
  } catch {
    throw new DiscoveryError({ message: `issuer ${JSON.stringify(issuer.slice(0, 200))} is not a URL` });
  }
  const metadata = await readFirstMetadata(
    authorizationServerMetadataUrls(expected),
    http,
    (response) => oauth.processDiscoveryResponse(expected, response),
    `authorization server metadata for issuer ${expected.href}`,
  );
  // PKCE support is checked where the authorization code flow starts (consents), not here:
  // a server used only for service grants (client credentials, jwt-bearer) need not offer it.
  checkEndpoints(metadata, http, expected);
  return metadata;
}

// The RFC 8414 §2 (and RFC 9126, RFC 8628, CIBA) endpoints a client sends requests to itself.
const backChannelEndpoints = [
  "token_endpoint",
  "registration_endpoint",
  "revocation_endpoint",
  "introspection_endpoint",
  "pushed_authorization_request_endpoint",
  "device_authorization_endpoint",
  "backchannel_authentication_endpoint",
] as const;

function checkEndpoints(metadata: AuthorizationServerMetadata, http: HttpOptions, issuer: URL): void {
  for (const name of backChannelEndpoints) {
    const value = metadata[name];
    // RFC 9728 §7.7 / RFC 8414 §6: endpoints are URLs a server handed us; checked before any request.
    if (value !== undefined) checkServerUrl(String(value), name, http, issuer);
  }
  const authorize = metadata.authorization_endpoint;
  if (authorize !== undefined) {
    // The browser goes there, not this process: only that it is an absolute http(s) URL.
    checkServerUrl(
      String(authorize),
      "authorization_endpoint",
      { ...http, allowPrivateNetworks: true, allowHttpLoopback: true },
      issuer,
    );
  }
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
    throw new PkceUnsupportedError({ issuer: metadata.issuer });
  }
}
