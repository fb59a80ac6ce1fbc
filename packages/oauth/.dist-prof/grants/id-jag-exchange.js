import { GrantError } from "../errors/oauth-errors.js";
import { httpOf, scopeAndResource } from "./client-credentials.js";
import { sendGrant } from "./send-grant.js";
/** `grant_type` of token exchange (RFC 8693 §2.1). */
export const TOKEN_EXCHANGE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
/** Token type of an Identity Assertion JWT Authorization Grant. */
export const ID_JAG_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id-jag";
/** Token type of an OpenID Connect ID token (RFC 8693 §3). */
export const ID_TOKEN_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
/**
 * Exchanges the user's identity assertion at the enterprise identity provider for an Identity
 * Assertion JWT Authorization Grant (ID-JAG) for one MCP authorization server and resource.
 * The response must say `issued_token_type` is the ID-JAG type.
 *
 * @see RFC 8693 §2.1, §2.2.1, §3; draft-ietf-oauth-identity-assertion-authz-grant §4.3;
 *   MCP extension `io.modelcontextprotocol/enterprise-managed-authorization` (SEP-990)
 * @example
 * const { assertion } = await exchangeForIdJag({
 *   idp: { issuer: "https://acme.okta.com", tokenEndpoint: "https://acme.okta.com/oauth2/v1/token",
 *     client: { clientId: "agent", clientSecret } },
 *   subjectToken: idToken,
 *   audience: authorizationServer.issuer,
 *   resource: metadata.resource,
 * });
 * @throws {GrantError} (`step: "token_exchange"`) when the identity provider refuses or answers
 *   with something other than an ID-JAG.
 */
export async function exchangeForIdJag(input) {
    const { idp } = input;
    const as = { issuer: idp.issuer, token_endpoint: idp.tokenEndpoint };
    const response = await sendGrant({
        grant: "enterprise_managed",
        step: "token_exchange",
        as,
        client: idp.client,
        grantType: TOKEN_EXCHANGE_GRANT_TYPE,
        parameters: {
            subject_token: input.subjectToken,
            subject_token_type: idp.subjectTokenType ?? ID_TOKEN_TOKEN_TYPE,
            requested_token_type: ID_JAG_TOKEN_TYPE,
            audience: input.audience,
            ...scopeAndResource(input),
        },
        http: httpOf(input),
        what: `the token exchange for an ID-JAG for ${input.resource}`,
        // RFC 8693 §2.2.1: an issued token that is not an access token has token_type N_A.
        recognizedTokenTypes: { n_a: () => undefined },
    });
    // RFC 8693 §2.2.1: issued_token_type is required; anything but an ID-JAG is not usable here.
    if (response.issued_token_type !== ID_JAG_TOKEN_TYPE) {
        throw new GrantError(`${idp.issuer} answered the token exchange with ${JSON.stringify(response.issued_token_type ?? null)}, not an ID-JAG`, { grant: "enterprise_managed", step: "token_exchange", retryable: false, issuer: idp.issuer });
    }
    const jag = { assertion: response.access_token };
    if (typeof response.expires_in === "number") {
        jag.expiresAt = Math.floor((input.now ?? Date.now)() + response.expires_in * 1000);
    }
    if (typeof response.scope === "string")
        jag.scopes = response.scope.split(" ").filter(Boolean);
    return jag;
}
