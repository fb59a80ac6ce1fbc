import { pickHttpOptions } from "../shared/http-options.js";
import { toTokenSet } from "../shared/token-set.js";
import { sendGrant } from "./send-grant.js";
/** `scope` and the RFC 8707 `resource` of a grant request. */
export function scopeAndResource(input) {
    const scopes = (input.scopes ?? []).filter(Boolean);
    return {
        ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}),
        // RFC 8707 §2: the token is for this resource only.
        resource: input.resource,
    };
}
/** The transport options of a grant input. */
export function httpOf(input) {
    return pickHttpOptions(input);
}
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
export async function requestClientCredentialsToken(input) {
    const as = input.authorizationServer;
    const response = await sendGrant({
        grant: "client_credentials",
        step: "token_request",
        as,
        client: input.client,
        grantType: "client_credentials",
        parameters: scopeAndResource(input),
        http: httpOf(input),
        dpopKey: input.dpopKey,
        what: `the client_credentials grant for ${input.resource}`,
    });
    const tokens = toTokenSet(response, {
        requestedScopes: input.scopes ?? [],
        issuer: as.issuer,
        clientId: input.client.clientId,
        now: (input.now ?? Date.now)(),
    });
    if (input.dpopKey !== undefined)
        tokens.dpopKey = input.dpopKey;
    return tokens;
}
