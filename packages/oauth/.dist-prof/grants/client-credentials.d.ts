/** @module Client credentials grant (RFC 6749 §4.4): tokens for the client itself, no person involved. */
import type { TokenSet } from "@authbus/core";
import { type HttpOptions } from "../shared/http-options.js";
import { type ServiceGrantInput } from "./send-grant.js";
/** `scope` and the RFC 8707 `resource` of a grant request. */
export declare function scopeAndResource(input: Pick<ServiceGrantInput, "scopes" | "resource">): Record<string, string>;
/** The transport options of a grant input. */
export declare function httpOf(input: HttpOptions): HttpOptions;
/**
 * Runs the client credentials grant at the authorization server's token endpoint, with the
 * client's authentication (`client_secret_basic`, `client_secret_post` or `private_key_jwt`)
 * and the RFC 8707 `resource`, and returns the token set to store.
 *
 * @see RFC 6749 §4.4, §2.3.1, RFC 7523 §2.2, RFC 8707 §2, MCP extension
 *   `io.modelcontextprotocol/oauth-client-credentials` (SEP-1046)
 * @example
 * const { authorizationServer, metadata } = await discovery.forResource(url);
 * const tokens = await requestClientCredentialsToken({
 *   authorizationServer,
 *   client: { clientId: "reporting-agent", clientSecret: process.env.CLIENT_SECRET },
 *   resource: metadata.resource,
 *   scopes: ["reports.read"],
 * });
 * @throws {GrantError} when the server refuses (`invalid_client`, `unauthorized_client`,
 *   `invalid_scope`, …) or cannot be reached.
 */
export declare function requestClientCredentialsToken(input: ServiceGrantInput): Promise<TokenSet>;
