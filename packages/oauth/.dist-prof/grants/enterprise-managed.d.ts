/** @module Enterprise-managed authorization: the user's ID token → ID-JAG at the identity provider → access token at the MCP authorization server. */
import type { TokenSet } from "@authbus/core";
import { type IdentityProvider } from "./id-jag-exchange.js";
import type { ServiceGrantInput } from "./send-grant.js";
/** What {@link requestEnterpriseManagedToken} takes. */
export interface EnterpriseManagedInput extends ServiceGrantInput {
    /** The enterprise identity provider the user signed in with. */
    idp: IdentityProvider;
    /** The user's ID token (or other identity assertion `idp.subjectTokenType` names) from sign-in. */
    subjectToken: string;
}
/**
 * Gets an access token for the signed-in user without a consent screen, as the enterprise's
 * identity provider allows: token exchange of the user's ID token at the identity provider for
 * an ID-JAG (audience: the MCP authorization server, with the resource and scopes), then the
 * jwt-bearer grant with that ID-JAG at the MCP authorization server. The ID-JAG is used once
 * and never stored.
 *
 * @see draft-ietf-oauth-identity-assertion-authz-grant §4, RFC 8693 §2, RFC 7523 §2.1,
 *   MCP extension `io.modelcontextprotocol/enterprise-managed-authorization` (SEP-990)
 * @example
 * const tokens = await requestEnterpriseManagedToken({
 *   authorizationServer,
 *   client: { clientId: "agent", clientSecret },
 *   idp: { issuer, tokenEndpoint, client: { clientId: "agent-at-idp", clientSecret: idpSecret } },
 *   subjectToken: session.idToken,
 *   resource: metadata.resource,
 *   scopes: ["calendar.read"],
 * });
 * @throws {GrantError} `step: "token_exchange"` when the identity provider refuses,
 *   `step: "token_request"` when the authorization server refuses the ID-JAG.
 */
export declare function requestEnterpriseManagedToken(input: EnterpriseManagedInput): Promise<TokenSet>;
