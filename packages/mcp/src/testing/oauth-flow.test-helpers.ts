/** @module Plain-fetch OAuth client steps for the integration tests: PKCE with node:crypto, testkit consent. */
import { createHash, randomBytes } from "node:crypto";
import type { TokenKey, TokenRefresher, TokenSet, TokenStore } from "@authbus/core";
import type { AuthServer } from "@authbus/testkit";

// A loopback redirect URI: the testkit's native client accepts any port (RFC 8252 §7.3).
const REDIRECT_URI = "http://127.0.0.1:9/callback";

interface TokenResponseBody {
  access_token?: string;
  refresh_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
}

function toTokenSet(as: AuthServer, body: TokenResponseBody, requested: readonly string[]): TokenSet {
  if (!body.access_token)
    throw new Error(`token endpoint answered ${body.error ?? "without an access token"}`);
  return {
    accessToken: body.access_token,
    tokenType: body.token_type ?? "Bearer",
    ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
    ...(body.expires_in ? { expiresAt: Date.now() + body.expires_in * 1000 } : {}),
    scopes: body.scope ? body.scope.split(" ").filter(Boolean) : [...requested],
    issuer: as.issuer,
    clientId: as.clientId,
  };
}

async function postToken(as: AuthServer, form: Record<string, string>): Promise<TokenResponseBody> {
  const response = await fetch(as.endpoints.token, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form),
  });
  return (await response.json()) as TokenResponseBody;
}

/**
 * Runs authorization code + PKCE (RFC 7636 S256) through the testkit's headless consent and the
 * token endpoint, with the RFC 8707 `resource`, and returns the token set.
 */
export async function grantTokens(
  as: AuthServer,
  input: { resource: string; scopes: readonly string[]; user?: string },
): Promise<TokenSet> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(8).toString("hex");
  const url = new URL(as.endpoints.authorization);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: as.clientId,
    redirect_uri: REDIRECT_URI,
    scope: input.scopes.join(" "),
    resource: input.resource,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const callback = new URL(await as.approveConsent(url, { user: input.user ?? "alice" }));
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) {
    throw new Error(`consent failed: ${callback.searchParams.get("error") ?? "no code"}`);
  }
  const body = await postToken(as, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    client_id: as.clientId,
    redirect_uri: REDIRECT_URI,
    resource: input.resource,
  });
  return toTokenSet(as, body, input.scopes);
}

/** Grants tokens and stores them under (subject, resource). */
export async function consentAndStore(
  as: AuthServer,
  tokens: TokenStore,
  key: TokenKey,
  scopes: readonly string[],
): Promise<TokenSet> {
  const granted = await grantTokens(as, { resource: key.resource, scopes, user: key.subject });
  await tokens.set(key, granted);
  return granted;
}

/** A minimal {@link TokenRefresher}: the refresh-token grant with plain fetch (RFC 6749 §6, RFC 8707 §2.2). */
export function createTestRefresher(as: AuthServer, tokens: TokenStore): TokenRefresher {
  return async (key) => {
    const held = await tokens.get(key);
    if (!held?.refreshToken) throw new Error("no refresh token held");
    const body = await postToken(as, {
      grant_type: "refresh_token",
      refresh_token: held.refreshToken,
      client_id: as.clientId,
      resource: key.resource,
    });
    if (!body.access_token) {
      throw Object.assign(new Error(`refresh refused: ${body.error ?? "unknown"}`), {
        code: "TEST_REFRESH_FAILED",
      });
    }
    const fresh = toTokenSet(as, body, held.scopes);
    await tokens.set(key, { ...fresh, refreshToken: fresh.refreshToken ?? held.refreshToken });
    return fresh;
  };
}
