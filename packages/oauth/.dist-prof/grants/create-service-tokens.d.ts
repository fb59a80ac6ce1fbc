/** @module Tokens for agents that run as services: discover, run the configured non-interactive grant, store, report. */
import { type AuthBus, type TokenKey, type TokenSet, type TokenStore } from "@authbus/core";
import { type Discovery } from "../discovery/create-discovery.js";
import { type DPoPMode } from "../dpop/select-dpop-algorithm.js";
import { type HttpOptions } from "../shared/http-options.js";
import type { IdentityProvider } from "./id-jag-exchange.js";
import { type ServiceClient } from "./service-client.js";
/** What an assertion or identity provider is told about the token being obtained. */
export interface AssertionContext {
    /** The store key's subject: the workload, or the signed-in user. */
    subject: string;
    /** The RFC 8707 resource identifier the token is for. */
    resource: string;
    /** The authorization server's issuer: the `aud` a workload assertion must carry (RFC 7523 §3). */
    audience: string;
}
/**
 * Returns a fresh JWT for the workload (a platform-issued workload identity token whose `aud`
 * is `context.audience`). Called once per grant; the result is never stored.
 */
export type AssertionProvider = (context: AssertionContext) => string | Promise<string>;
/** Returns the signed-in user's ID token (from the app's sign-in session) for `context.subject`. */
export type IdTokenProvider = (context: AssertionContext) => string | Promise<string>;
/** The non-interactive grant a service client uses. */
export type ServiceGrant = 
/** RFC 6749 §4.4: the client's own credentials. */
{
    type: "client_credentials";
    client: ServiceClient;
}
/** RFC 7523 §2.1 workload identity federation: a JWT the platform issues to the workload. */
 | {
    type: "jwt_bearer";
    client: ServiceClient;
    assertion: AssertionProvider;
}
/**
 * Enterprise-managed authorization: the user's ID token exchanged at the enterprise identity
 * provider for an ID-JAG, then the jwt-bearer grant with it.
 */
 | {
    type: "enterprise_managed";
    client: ServiceClient;
    idp: IdentityProvider;
    idToken: IdTokenProvider;
};
/** Options of {@link createServiceTokens}. */
export interface ServiceTokensOptions extends HttpOptions {
    tokens: TokenStore;
    bus: AuthBus;
    /** Which grant, with which credentials. */
    grant: ServiceGrant;
    /**
     * The authorization servers (issuers, exactly as their metadata states them) the credentials
     * may be sent to. Default: any the resource's metadata names. Set it when the credentials are
     * a secret: a resource that names another server then gets nothing.
     */
    authorizationServers?: readonly string[];
    /** Metadata cache to share with consents and refresh. Default: a new one using `fetch`. */
    discovery?: Discovery;
    /** The server name events carry for a key. Default: the resource's host. */
    serverName?: (key: TokenKey) => string;
    /** Clock, epoch milliseconds. Default `Date.now`. */
    now?: () => number;
    /**
     * Whether tokens are DPoP-bound (RFC 9449), as for consents: `"auto"` (default) when the
     * authorization server advertises an algorithm authbus signs with or the resource takes
     * only DPoP-bound tokens; the key is kept with the tokens and reused for the next grant.
     */
    dpop?: DPoPMode;
}
/** Options of one call of {@link ServiceTokens}. */
export interface ObtainTokensOptions {
    /**
     * Scopes to ask for (for step-up, the union of held and challenged scopes). Default: the
     * resource's `scopes_supported`, else none.
     */
    scopes?: readonly string[];
    /** The challenge's `resource_metadata` URL (RFC 9728 §5.1), when there was one. */
    resourceMetadata?: string;
}
/**
 * Obtains, stores and returns tokens for a key with the configured grant. Pass it to `authFetch`
 * of `@authbus/mcp` as `obtain`.
 */
export type ServiceTokens = (key: TokenKey, options?: ObtainTokensOptions) => Promise<TokenSet>;
/**
 * Creates the token source of a service client: an agent that runs without a person gets its
 * tokens with client credentials, a workload identity JWT (jwt-bearer) or enterprise-managed
 * authorization (ID-JAG). For a key it discovers the resource's authorization server (RFC 9728
 * → RFC 8414), runs the grant with the RFC 8707 `resource` exactly as the protected resource
 * metadata states it, stores the tokens (with `issuer` and `clientId`) and emits
 * `token.obtaining` then `token.obtained` or `token.obtain_failed`. Events carry fingerprints,
 * never a token or an assertion.
 *
 * Concurrent calls for the same (subject, resource) over the same store share one grant; a
 * caller that needs scopes the shared result lacks runs one more grant. A refused grant is not
 * retried and never turns into a consent: it rejects with a {@link GrantError}.
 *
 * @see RFC 6749 §4.4, RFC 7523 §2.1, §2.2, RFC 8693, RFC 8707 §2, RFC 9728 §3, MCP extensions
 *   `oauth-client-credentials` (SEP-1046), `auth/wif` (SEP-1933), `enterprise-managed-authorization` (SEP-990)
 * @example
 * const obtain = createServiceTokens({
 *   tokens, bus,
 *   grant: { type: "client_credentials", client: { clientId: "reporting-agent", clientSecret } },
 * });
 * const fetch = authFetch({ serverName: "reports", resource: url, subject: "reporting-agent", tokens, bus, obtain });
 * @throws {TypeError} at creation, for a grant configuration that lacks what it needs.
 * @throws {GrantError} from the returned function, when no tokens could be obtained.
 */
export declare function createServiceTokens(options: ServiceTokensOptions): ServiceTokens;
