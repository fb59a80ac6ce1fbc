/** @module RFC 8693 token exchange at the enterprise identity provider: the user's ID token for an ID-JAG. */
import type * as oauth from "oauth4webapi";
import { GrantError } from "../errors/oauth-errors.js";
import type { HttpOptions } from "../shared/http-options.js";
import { httpOf, scopeAndResource } from "./client-credentials.js";
import { sendGrant } from "./send-grant.js";
import type { ServiceClient } from "./service-client.js";

/** `grant_type` of token exchange (RFC 8693 §2.1). */
export const TOKEN_EXCHANGE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange";
/** Token type of an Identity Assertion JWT Authorization Grant. */
export const ID_JAG_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id-jag";
/** Token type of an OpenID Connect ID token (RFC 8693 §3). */
export const ID_TOKEN_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";

/** The enterprise identity provider the user signed in with. */
export interface IdentityProvider {
  /** Its issuer identifier (the `aud` of a `private_key_jwt` assertion sent to it). */
  issuer: string;
  /** Its token endpoint, where the token exchange is sent. */
  tokenEndpoint: string;
  /** This app's client at the identity provider. */
  client: ServiceClient;
  /**
   * The type of the subject token the app hands over. Default: an ID token
   * (`urn:ietf:params:oauth:token-type:id_token`); a SAML 2.0 assertion is
   * `urn:ietf:params:oauth:token-type:saml2`.
   */
  subjectTokenType?: string;
}

/** What {@link exchangeForIdJag} takes. */
export interface IdJagExchangeInput extends HttpOptions {
  idp: IdentityProvider;
  /** The user's identity assertion from sign-in (an ID token unless `idp.subjectTokenType` says otherwise). */
  subjectToken: string;
  /** The issuer of the MCP server's authorization server: the ID-JAG's audience. */
  audience: string;
  /** The MCP server's resource identifier (RFC 8707), as its protected resource metadata states it. */
  resource: string;
  scopes?: readonly string[];
  /** Clock, epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** An ID-JAG issued by the identity provider. */
export interface IdJag {
  /** The ID-JAG (a JWT): present it once in a jwt-bearer grant, never keep it. */
  assertion: string;
  /** Epoch milliseconds, when the identity provider said. */
  expiresAt?: number;
  /** The scopes the identity provider allowed, when it said. */
  scopes?: string[];
}

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
export async function exchangeForIdJag(input: IdJagExchangeInput): Promise<IdJag> {
  const { idp } = input;
  const as: oauth.AuthorizationServer = { issuer: idp.issuer, token_endpoint: idp.tokenEndpoint };
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
    throw new GrantError({
      message: `${idp.issuer} answered the token exchange with ${JSON.stringify(response.issued_token_type ?? null)}, not an ID-JAG`,
      grant: "enterprise_managed",
      step: "token_exchange",
      retryable: false,
      issuer: idp.issuer,
    });
  }
  const jag: IdJag = { assertion: response.access_token };
  if (typeof response.expires_in === "number") {
    jag.expiresAt = Math.floor((input.now ?? Date.now)() + response.expires_in * 1000);
  }
  if (typeof response.scope === "string") jag.scopes = response.scope.split(" ").filter(Boolean);
  return jag;
}
