/** @module RFC 8414 / OpenID Connect authorization server metadata, path-aware, with the PKCE S256 check. */
import * as oauth from "oauth4webapi";
import { type HttpOptions } from "../shared/http-options.js";
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
export declare function discoverAuthorizationServer(issuer: string, http?: HttpOptions): Promise<AuthorizationServerMetadata>;
/**
 * Refuses an authorization server that does not advertise PKCE S256.
 *
 * @see RFC 8414 §2 (`code_challenge_methods_supported`), MCP 2025-11-25 Authorization §"Authorization Code Protection"
 * @example
 * assertPkceS256(await discoverAuthorizationServer("https://auth.example.com"));
 * @throws {PkceUnsupportedError}
 */
export declare function assertPkceS256(metadata: AuthorizationServerMetadata): void;
