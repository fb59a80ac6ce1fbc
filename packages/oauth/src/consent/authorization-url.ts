/** @module The authorization request URL (RFC 6749 §4.1.1 with PKCE, RFC 8707 and RFC 9470 parameters). */
import { LimitExceededError, UrlRefusedError } from "../errors/request-errors.js";
import { MAX_AUTHORIZATION_SCOPES, MAX_AUTHORIZATION_URL_LENGTH } from "../shared/limits.js";

/** The parameters of {@link buildAuthorizationUrl}. */
export interface AuthorizationUrlInput {
  authorizationEndpoint: string;
  clientId: string;
  redirectUri: string;
  state: string;
  /** `BASE64URL(SHA256(code_verifier))`. */
  codeChallenge: string;
  /** RFC 8707 resource indicator. */
  resource: string;
  scopes: readonly string[];
  /** RFC 9470 step-up. */
  acrValues?: readonly string[] | undefined;
  maxAge?: number | undefined;
}

/**
 * Builds the URL a person is sent to. Existing query parameters of the endpoint are kept;
 * `prompt=consent` is added when `offline_access` is asked for (OpenID Connect Core §11).
 *
 * @see RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707 §2, RFC 9470 §4, OpenID Connect Core §11
 * @example
 * buildAuthorizationUrl({ authorizationEndpoint: "https://as.example/authorize", clientId: "c",
 *   redirectUri: "https://app.example/cb", state, codeChallenge, resource: "https://mcp.example/mcp",
 *   scopes: ["files.read"] }).searchParams.get("code_challenge_method"); // "S256"
 * @throws {LimitExceededError} for more than `MAX_AUTHORIZATION_SCOPES` scopes or a URL longer
 *   than `MAX_AUTHORIZATION_URL_LENGTH`.
 * @throws {UrlRefusedError} when `authorizationEndpoint` is not an absolute URL.
 */
export function buildAuthorizationUrl(input: AuthorizationUrlInput): URL {
  // Bounds on what a challenge or metadata can make us build (shared/limits.ts).
  if (input.scopes.length > MAX_AUTHORIZATION_SCOPES) {
    throw new LimitExceededError({
      limit: "authorization_scopes",
      max: MAX_AUTHORIZATION_SCOPES,
      actual: input.scopes.length,
      what: "the number of scopes to request",
    });
  }
  let url: URL;
  try {
    url = new URL(input.authorizationEndpoint);
  } catch {
    throw new UrlRefusedError({
      reason: "invalid_url",
      url: "",
      what: "authorization_endpoint",
      detail: `${JSON.stringify(input.authorizationEndpoint.slice(0, 200))} is not an absolute URL`,
    });
  }
  const params = url.searchParams;
  params.set("response_type", "code");
  params.set("client_id", input.clientId);
  params.set("redirect_uri", input.redirectUri);
  params.set("state", input.state);
  // RFC 7636 §4.3: S256 only.
  params.set("code_challenge", input.codeChallenge);
  params.set("code_challenge_method", "S256");
  // RFC 8707 §2: the token is for this resource only.
  params.set("resource", input.resource);
  if (input.scopes.length > 0) params.set("scope", input.scopes.join(" "));
  if (input.scopes.includes("offline_access")) params.set("prompt", "consent");
  // RFC 9470 §4: pass the step-up requirements on.
  if (input.acrValues && input.acrValues.length > 0) params.set("acr_values", input.acrValues.join(" "));
  if (input.maxAge !== undefined) params.set("max_age", String(input.maxAge));
  if (url.href.length > MAX_AUTHORIZATION_URL_LENGTH) {
    throw new LimitExceededError({
      limit: "authorization_url",
      max: MAX_AUTHORIZATION_URL_LENGTH,
      actual: url.href.length,
      what: "the authorization URL",
    });
  }
  return url;
}
