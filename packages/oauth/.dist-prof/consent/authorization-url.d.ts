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
export declare function buildAuthorizationUrl(input: AuthorizationUrlInput): URL;
