/** @module Plain-fetch OAuth client steps for the integration tests (PKCE with node:crypto). */
import { createHash, randomBytes } from "node:crypto";
import type { AuthServer } from "../auth-server/start-auth-server.js";

export const REDIRECT_URI = "http://127.0.0.1:9/callback";

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** RFC 7636 §4.1–4.2: a 43-character verifier and its S256 challenge. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface AuthorizationRequest {
  resource: string;
  scope: string;
  state?: string;
  clientId?: string;
  redirectUri?: string;
  acrValues?: string;
  maxAge?: number;
  prompt?: string;
}

export function buildAuthorizationUrl(
  as: AuthServer,
  request: AuthorizationRequest,
  pkce: Pkce,
): { url: URL; state: string } {
  const state = request.state ?? randomBytes(8).toString("hex");
  const url = new URL(as.endpoints.authorization);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", request.clientId ?? as.clientId);
  url.searchParams.set("redirect_uri", request.redirectUri ?? REDIRECT_URI);
  url.searchParams.set("scope", request.scope);
  url.searchParams.set("resource", request.resource);
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", pkce.challenge);
  url.searchParams.set("code_challenge_method", "S256");
  if (request.acrValues) url.searchParams.set("acr_values", request.acrValues);
  if (request.maxAge !== undefined) url.searchParams.set("max_age", String(request.maxAge));
  if (request.prompt) url.searchParams.set("prompt", request.prompt);
  return { url, state };
}

export interface TokenResponse {
  status: number;
  body: {
    access_token?: string;
    refresh_token?: string;
    token_type?: string;
    expires_in?: number;
    scope?: string;
    id_token?: string;
    error?: string;
    error_description?: string;
  };
}

async function postToken(as: AuthServer, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(as.endpoints.token, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse["body"] };
}

export function exchangeCode(
  as: AuthServer,
  input: { code: string; verifier: string; resource?: string; clientId?: string; redirectUri?: string },
): Promise<TokenResponse> {
  return postToken(as, {
    grant_type: "authorization_code",
    code: input.code,
    code_verifier: input.verifier,
    client_id: input.clientId ?? as.clientId,
    redirect_uri: input.redirectUri ?? REDIRECT_URI,
    ...(input.resource ? { resource: input.resource } : {}),
  });
}

export function refreshTokens(
  as: AuthServer,
  input: { refreshToken: string; resource?: string; clientId?: string },
): Promise<TokenResponse> {
  return postToken(as, {
    grant_type: "refresh_token",
    refresh_token: input.refreshToken,
    client_id: input.clientId ?? as.clientId,
    ...(input.resource ? { resource: input.resource } : {}),
  });
}

/** The whole code + PKCE flow through approveConsent; returns the token response (asserting success). */
export async function obtainTokens(
  as: AuthServer,
  request: AuthorizationRequest & { user?: string; acr?: string },
): Promise<Required<Pick<TokenResponse["body"], "access_token">> & TokenResponse["body"]> {
  const pkce = createPkce();
  const { url, state } = buildAuthorizationUrl(as, request, pkce);
  const callback = new URL(
    await as.approveConsent(url, {
      user: request.user ?? "alice",
      ...(request.acr ? { acr: request.acr } : {}),
    }),
  );
  const code = callback.searchParams.get("code");
  if (!code || callback.searchParams.get("state") !== state) {
    throw new Error(`no code in callback: ${callback.searchParams.get("error") ?? "?"}`);
  }
  const tokens = await exchangeCode(as, { code, verifier: pkce.verifier, resource: request.resource });
  if (tokens.status !== 200 || !tokens.body.access_token) {
    throw new Error(`token request failed: ${tokens.status} ${tokens.body.error ?? ""}`);
  }
  return { ...tokens.body, access_token: tokens.body.access_token };
}
