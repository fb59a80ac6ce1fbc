/** @module What the server keeps about its own traffic: every issued access token in the ledger, and the request counters. */
import type { KoaContextWithOIDC, default as OidcProvider } from "oidc-provider";
import { fingerprintToken, peekJwtPayload } from "../shared/fingerprint.js";
import type { AuthServerStats } from "./auth-server-types.js";
import type { TokenLedger } from "./token-ledger.js";

/** Counters at 0. */
export function createStats(): AuthServerStats {
  return {
    requests: 0,
    authorizationRequests: 0,
    tokenRequests: 0,
    refreshRequests: 0,
    refreshFailures: 0,
    registrations: 0,
    dpopNonceChallenges: 0,
  };
}

/** Sets every counter back to 0 (the object is shared, so it is changed in place). */
export function resetStats(stats: AuthServerStats): void {
  Object.assign(stats, createStats());
}

/** Records every access token `provider` issues in `ledger` (no token value, only facts about it). */
export function recordIssuedTokens(provider: OidcProvider, ledger: TokenLedger): void {
  // Client credentials tokens (subject: the client) are kept like every other access token.
  provider.on("client_credentials.issued", (token) => {
    ledger.record({
      jti: token.jti,
      aud: token.aud,
      clientId: token.clientId,
      scope: token.scope,
      gty: "client_credentials",
      exp: Math.floor(Date.now() / 1000) + token.expiration,
    });
  });
  provider.on("access_token.issued", (token) => {
    ledger.record({
      jti: token.jti,
      aud: token.aud,
      clientId: token.clientId,
      accountId: token.accountId,
      scope: token.scope,
      gty: token.gty,
      // JWT access tokens are not stored, so `exp` is not set on the model: iat + lifetime.
      exp: Math.floor(Date.now() / 1000) + token.expiration,
      grantId: token.grantId,
      jkt: token.jkt,
    });
  });
}

/**
 * Counts the requests `provider` answers in `stats`, and gives each issued JWT access token in
 * `ledger` the fingerprint a resource server records for it.
 */
export function countRequests(provider: OidcProvider, stats: AuthServerStats, ledger: TokenLedger): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
    const route = oidc?.route;
    if (route === "authorization") stats.authorizationRequests += 1;
    if (route === "registration" && ctx.method === "POST") stats.registrations += 1;
    if (route !== "token") return;
    stats.tokenRequests += 1;
    const isRefresh = oidc?.params?.grant_type === "refresh_token";
    if (isRefresh) stats.refreshRequests += 1;
    if (ctx.status !== 200) {
      if (isRefresh) stats.refreshFailures += 1;
      if ((ctx.body as { error?: unknown } | undefined)?.error === "use_dpop_nonce")
        stats.dpopNonceChallenges += 1;
      return;
    }
    const body = ctx.body as { access_token?: unknown } | undefined;
    if (typeof body?.access_token === "string") {
      const jti = peekJwtPayload(body.access_token)?.jti;
      if (typeof jti === "string") ledger.attachFingerprint(jti, fingerprintToken(body.access_token));
    }
  });
}
