/** @module A token's credentials on a request: `Authorization`, and for a DPoP-bound token a fresh proof; and taking them off. */
import type { TokenSet } from "@authbus/core";
import { createDPoPProof } from "../dpop/create-dpop-proof.js";

/** A DPoP-bound access token (RFC 9449 §7.1): it goes with a proof of its key. */
export function isDPoPBound(tokens: TokenSet): boolean {
  return tokens.tokenType.toLowerCase() === "dpop";
}

function authorizationOf(tokens: TokenSet): string {
  // RFC 6750 §2.1: "Bearer" credentials; a DPoP-bound token (RFC 9449 §7.1) names its own scheme.
  const type = tokens.tokenType.toLowerCase();
  const scheme = type === "bearer" ? "Bearer" : type === "dpop" ? "DPoP" : tokens.tokenType;
  return `${scheme} ${tokens.accessToken}`;
}

/**
 * `init` with the tokens' credentials: `Authorization`, and for a DPoP-bound token a fresh
 * `DPoP` proof for this request (RFC 9449 §7.1: `htm`, `htu`, `ath`, and the server's `nonce`).
 *
 * @see RFC 6750 §2.1, RFC 9449 §7.1
 */
export async function withAuthorization(
  url: string,
  init: RequestInit,
  tokens: TokenSet | undefined,
  nonce?: string,
): Promise<RequestInit> {
  if (!tokens) return init;
  const headers = new Headers(init.headers);
  headers.set("authorization", authorizationOf(tokens));
  headers.delete("dpop");
  if (tokens.dpopKey && isDPoPBound(tokens)) {
    const proof = await createDPoPProof(tokens.dpopKey, {
      method: init.method ?? "GET",
      url,
      accessToken: tokens.accessToken,
      nonce,
    });
    headers.set("dpop", proof);
  }
  return { ...init, headers };
}

/** `init` without `Authorization` or `DPoP` (unchanged when it has neither). */
export function withoutAuthorization(init: RequestInit): RequestInit {
  if (init.headers === undefined) return init;
  const headers = new Headers(init.headers);
  if (!headers.has("authorization") && !headers.has("dpop")) return init;
  headers.delete("authorization");
  headers.delete("dpop");
  return { ...init, headers };
}
