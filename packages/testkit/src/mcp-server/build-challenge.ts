/** @module `WWW-Authenticate` values of a protected MCP server, in several valid styles. */
import { formatWWWAuthenticate } from "@authbus/core";

/**
 * How the server writes its challenges, so clients are tested against more than one style:
 * - `standard`: one `Bearer` challenge written by `formatWWWAuthenticate` (every value quoted, as in RFC 6750 §3).
 * - `dpop-and-bearer`: a `DPoP` challenge (RFC 9449 §7.1, `algs`) before the `Bearer` one.
 * - `bare-tokens`: one `Bearer` challenge with token values bare (`error=invalid_token`), which
 *   RFC 9110 §11.2 allows and some servers send.
 * - `uppercase`: scheme and parameter names in upper case, every value quoted (names are
 *   case-insensitive, RFC 9110 §11.1–11.2).
 * - `extra-params`: `realm`, an `error_description` that contains `scope=`, and unknown extension
 *   parameters with a comma and escaped quotes inside a quoted-string.
 */
export type HeaderStyle = "standard" | "bare-tokens" | "dpop-and-bearer" | "uppercase" | "extra-params";

/** The facts one challenge carries. */
export interface ChallengeFacts {
  /** RFC 6750 §3.1 / RFC 9470 §3 / RFC 9449 §7.1 error code; absent when the request had no token. */
  error?:
    | "invalid_request"
    | "invalid_token"
    | "insufficient_scope"
    | "insufficient_user_authentication"
    | "invalid_dpop_proof"
    | "use_dpop_nonce";
  /** Space-separated scopes the request needs (RFC 6750 §3, MCP 2025-11-25 scope challenge). */
  scope?: string;
  /** RFC 9470 §3: the acceptable authentication context classes. */
  acrValues?: string;
  /** RFC 9728 §5.1: where the protected resource metadata is. */
  resourceMetadata: string;
}

function bearerParams(facts: ChallengeFacts): Record<string, string> {
  return {
    ...(facts.error ? { error: facts.error } : {}),
    ...(facts.scope !== undefined ? { scope: facts.scope } : {}),
    ...(facts.acrValues !== undefined ? { acr_values: facts.acrValues } : {}),
    resource_metadata: facts.resourceMetadata,
  };
}

// RFC 9110 §5.6.2 token (1*tchar); only ever tested against short header values.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function quote(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

const DESCRIPTIONS: Record<NonNullable<ChallengeFacts["error"]>, string> = {
  invalid_request: "The Authorization header is malformed",
  invalid_token: "The access token is invalid, expired, revoked or for another resource",
  insufficient_scope: "This tool needs scope=more than the token has",
  insufficient_user_authentication: "A stronger login is required for this tool",
  invalid_dpop_proof: "The DPoP proof is missing or invalid",
  use_dpop_nonce: "Sign the DPoP proof with the nonce in DPoP-Nonce",
};

/**
 * Builds the `WWW-Authenticate` value for one 401/403 answer.
 *
 * @see RFC 6750 §3, RFC 9728 §5.1, RFC 9470 §3, RFC 9449 §7.1, RFC 9110 §11.6.1
 * @example
 * buildChallenge("standard", { resourceMetadata: "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp" });
 * // 'Bearer resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp"'
 */
export function buildChallenge(style: HeaderStyle, facts: ChallengeFacts): string {
  const params = bearerParams(facts);
  switch (style) {
    case "standard":
      return formatWWWAuthenticate([{ scheme: "Bearer", params }]);
    case "dpop-and-bearer":
      return formatWWWAuthenticate([
        {
          scheme: "DPoP",
          params: {
            algs: "ES256 PS256",
            ...(facts.error ? { error: facts.error } : {}),
            ...(facts.scope !== undefined ? { scope: facts.scope } : {}),
          },
        },
        { scheme: "Bearer", params },
      ]);
    case "bare-tokens":
      return `Bearer ${Object.entries(params)
        .map(([name, value]) => `${name}=${TOKEN.test(value) ? value : quote(value)}`)
        .join(", ")}`;
    case "uppercase":
      // Written by hand: the names are upper-cased and every value quoted, tokens included.
      return `BEARER ${Object.entries(params)
        .map(([name, value]) => `${name.toUpperCase()}=${quote(value)}`)
        .join(", ")}`;
    case "extra-params": {
      const description = facts.error ? DESCRIPTIONS[facts.error] : undefined;
      return formatWWWAuthenticate([
        {
          scheme: "Bearer",
          params: {
            realm: "authbus testkit",
            ...(facts.error ? { error: facts.error } : {}),
            // RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E — no quote, no backslash.
            ...(description ? { error_description: description } : {}),
            ...(facts.scope !== undefined ? { scope: facts.scope } : {}),
            ...(facts.acrValues !== undefined ? { acr_values: facts.acrValues } : {}),
            x_note: 'unknown params are ignored, even "quoted", scope="wrong"',
            resource_metadata: facts.resourceMetadata,
            ext: "token68-like_value",
          },
        },
      ]);
    }
  }
}

/**
 * Builds the `WWW-Authenticate` value of a server that takes only DPoP-bound tokens: one `DPoP`
 * challenge with the accepted proof algorithms and the same OAuth parameters as a Bearer one
 * (`error`, `scope`, `acr_values`, `resource_metadata`).
 *
 * @see RFC 9449 §7.1, RFC 9728 §5.1
 * @example
 * buildDPoPChallenge(["ES256"], { error: "use_dpop_nonce", resourceMetadata });
 * // 'DPoP algs="ES256", error="use_dpop_nonce", resource_metadata="…"'
 */
export function buildDPoPChallenge(algs: readonly string[], facts: ChallengeFacts): string {
  return formatWWWAuthenticate([
    { scheme: "DPoP", params: { algs: algs.join(" "), ...bearerParams(facts) } },
  ]);
}
