/** @module One token endpoint request of a non-interactive grant, and its failure as a `GrantError`. */
import type { DPoPKey } from "@authbus/core";
import * as oauth from "oauth4webapi";
import type { AuthorizationServerMetadata } from "../discovery/discover-authorization-server.js";
import { GrantError, type GrantFailureStep } from "../errors/oauth-errors.js";
import { type HttpOptions } from "../shared/http-options.js";
import { type ServiceClient } from "./service-client.js";
/** The grants of this folder, as `GrantError.grant` and bus events name them. */
export type GrantName = GrantError["grant"];
/** What every grant function takes. */
export interface ServiceGrantInput extends HttpOptions {
    /** The authorization server's metadata (`createDiscovery().forResource(…).authorizationServer`). */
    authorizationServer: AuthorizationServerMetadata;
    /** This app's client at that authorization server. */
    client: ServiceClient;
    /**
     * The RFC 8707 `resource`: the protected resource metadata's `resource`, exactly as stated
     * there.
     */
    resource: string;
    /** Scopes to ask for; none sends no `scope` (the server's default applies). */
    scopes?: readonly string[];
    /** Clock, epoch milliseconds. Default `Date.now`. */
    now?: () => number;
    /**
     * Binds the token to this key (RFC 9449 §5): the request carries a DPoP proof, and the
     * token set returned holds the key.
     */
    dpopKey?: DPoPKey | undefined;
}
/**
 * The oauth4webapi client authentication for `client` at `as`.
 *
 * @throws {GrantError} (`step: "client_authentication"`) when the key cannot sign for `as`.
 */
export declare function clientAuthAt(client: ServiceClient, as: oauth.AuthorizationServer, grant: GrantName): Promise<oauth.ClientAuth>;
/** One grant request to send. */
export interface GrantRequest {
    grant: GrantName;
    step: Extract<GrantFailureStep, "token_request" | "token_exchange">;
    as: oauth.AuthorizationServer;
    client: ServiceClient;
    grantType: string;
    parameters: Record<string, string>;
    http: HttpOptions;
    /** Names the request in messages, e.g. `the client_credentials grant for https://mcp.example.com/mcp`. */
    what: string;
    /** Token types besides Bearer and DPoP that the response may carry (RFC 8693 `N_A`). */
    recognizedTokenTypes?: oauth.RecognizedTokenTypes;
    /** A DPoP key to prove possession of (RFC 9449 §5); a `use_dpop_nonce` answer is retried once. */
    dpopKey?: DPoPKey | undefined;
}
/**
 * Sends a grant to the token endpoint of `request.as` with the client's authentication and
 * checks the response (oauth4webapi `genericTokenEndpointRequest` +
 * `processGenericTokenEndpointResponse`).
 *
 * @see RFC 6749 §3.2, §5.1, §5.2
 * @throws {GrantError} for a refusal (`error` set), a failed request or a malformed response.
 */
export declare function sendGrant(request: GrantRequest): Promise<oauth.TokenEndpointResponse>;
