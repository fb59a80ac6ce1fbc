/** @module Revoking what the server issued, as a test asks: one token, a refresh token's grant (RFC 7009 §2.1), or all of a user's. */
import type { default as OidcProvider } from "oidc-provider";
import { peekJwtPayload } from "../shared/fingerprint.js";
import type { TokenLedger } from "./token-ledger.js";

/** Revocation of one server; see {@link createRevocation}. */
export interface Revocation {
  /** Revokes an access token (by its `jti`) or a refresh token and its grant; false when unknown. */
  revokeToken(token: string): Promise<boolean>;
  /** Revokes every grant, refresh token and access token of a user. */
  revokeUser(user: string): Promise<void>;
}

/** Revocation over `provider` and `ledger`; it follows which grants each user holds from now on. */
export function createRevocation(provider: OidcProvider, ledger: TokenLedger): Revocation {
  const grantsByUser = new Map<string, Set<string>>();
  provider.on("grant.saved", (grant) => {
    if (!grant.accountId) return;
    const set = grantsByUser.get(grant.accountId) ?? new Set<string>();
    set.add(grant.jti);
    grantsByUser.set(grant.accountId, set);
  });
  provider.on("grant.revoked", (_ctx, grantId) => ledger.revokeGrant(grantId));

  const revokeGrant = async (grantId: string): Promise<void> => {
    ledger.revokeGrant(grantId);
    await Promise.all([
      provider.RefreshToken.revokeByGrantId(grantId),
      provider.AuthorizationCode.revokeByGrantId(grantId),
      provider.Grant.find(grantId).then((grant) => grant?.destroy()),
    ]);
  };

  return {
    async revokeToken(token) {
      const jti = peekJwtPayload(token)?.jti;
      if (typeof jti === "string" && ledger.has(jti)) {
        ledger.revokeJti(jti);
        return true;
      }
      const refreshToken = await provider.RefreshToken.find(token);
      if (!refreshToken) return false;
      await refreshToken.destroy();
      // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
      if (refreshToken.grantId) await revokeGrant(refreshToken.grantId);
      return true;
    },
    async revokeUser(user) {
      ledger.revokeSubject(user);
      await Promise.all([...(grantsByUser.get(user) ?? [])].map(revokeGrant));
      grantsByUser.delete(user);
    },
  };
}
