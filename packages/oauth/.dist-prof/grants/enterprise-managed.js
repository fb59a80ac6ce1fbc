import { exchangeForIdJag } from "./id-jag-exchange.js";
import { runJwtBearer } from "./jwt-bearer.js";
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
export async function requestEnterpriseManagedToken(input) {
    const jag = await exchangeForIdJag({
        ...input,
        audience: input.authorizationServer.issuer,
    });
    return runJwtBearer({ ...input, assertion: jag.assertion }, "enterprise_managed");
}
