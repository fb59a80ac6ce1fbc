/** @module JWT bearer grant (RFC 7523 §2.1): an assertion from a workload identity, or an ID-JAG, for tokens. */
import type { TokenSet } from "@authbus/core";
import { GrantError } from "../errors/oauth-errors.js";
import { toTokenSet } from "../shared/token-set.js";
import { httpOf, scopeAndResource } from "./client-credentials.js";
import { type GrantName, type ServiceGrantInput, sendGrant } from "./send-grant.js";

/** `grant_type` of the JWT bearer grant (RFC 7523 §2.1). */
export const JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** What {@link requestJwtBearerToken} takes. */
export interface JwtBearerInput extends ServiceGrantInput {
  /**
   * The JWT to present, obtained fresh for this request (a workload identity token whose `aud`
   * is the authorization server, or an ID-JAG). It is sent once and never kept.
   */
  assertion: string;
}

/** @internal {@link requestJwtBearerToken}, naming the grant it is a step of. */
export async function runJwtBearer(input: JwtBearerInput, grant: GrantName): Promise<TokenSet> {
  const as = input.authorizationServer;
  if (typeof input.assertion !== "string" || input.assertion.split(".").length !== 3) {
    throw new GrantError({
      message: `the assertion for ${input.resource} is not a compact JWT`,
      grant,
      step: "assertion",
      retryable: false,
      issuer: as.issuer,
    });
  }
  const response = await sendGrant({
    grant,
    step: "token_request",
    as,
    client: input.client,
    grantType: JWT_BEARER_GRANT_TYPE,
    parameters: { assertion: input.assertion, ...scopeAndResource(input) },
    http: httpOf(input),
    dpopKey: input.dpopKey,
    what: `the jwt-bearer grant for ${input.resource}`,
  });
  const tokens = toTokenSet(response, {
    requestedScopes: input.scopes ?? [],
    issuer: as.issuer,
    clientId: input.client.clientId,
    now: (input.now ?? Date.now)(),
  });
  if (input.dpopKey !== undefined) tokens.dpopKey = input.dpopKey;
  return tokens;
}

/**
 * Presents a JWT assertion at the authorization server's token endpoint for an access token:
 * the workload identity federation grant (the workload's platform-issued JWT), and the last
 * step of enterprise-managed authorization (an ID-JAG). Client authentication is whatever the
 * client is configured with (often `none` for workload identity).
 *
 * A refused assertion (`invalid_grant`: expired, wrong audience, unknown issuer) is not retried:
 * get a fresh assertion first.
 *
 * @see RFC 7523 §2.1, §3, §3.1, RFC 7521 §4.1, RFC 8707 §2, MCP extension
 *   `io.modelcontextprotocol/auth/wif` (SEP-1933)
 * @example
 * const tokens = await requestJwtBearerToken({
 *   authorizationServer,
 *   client: { clientId: "billing-workload" },
 *   assertion: await readFile("/var/run/secrets/tokens/mcp", "utf8"),
 *   resource: metadata.resource,
 * });
 * @throws {GrantError} when the assertion is not a JWT, or the server refuses or cannot be reached.
 */
export function requestJwtBearerToken(input: JwtBearerInput): Promise<TokenSet> {
  return runJwtBearer(input, "jwt_bearer");
}
