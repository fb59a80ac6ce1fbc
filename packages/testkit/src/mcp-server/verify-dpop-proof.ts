/** @module A resource server's DPoP checks (RFC 9449 §4.3, §7, §9): proof, token binding, replay, nonces. */
import { createHash, randomBytes } from "node:crypto";
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
} from "jose";

/** The proof algorithms a protected MCP server accepts by default (asymmetric only, RFC 9449 §4.2). */
export const DEFAULT_DPOP_ALGORITHMS = [
  "ES256",
  "ES384",
  "ES512",
  "Ed25519",
  "EdDSA",
  "PS256",
  "RS256",
] as const;

/** A proof that passed every check. */
export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key, to compare with the token's `cnf.jkt`. */
  jkt: string;
  jti: string;
  nonce: string | undefined;
}

/** What the proof is checked against. */
export interface ProofExpectations {
  /** The request's method (`htm`). */
  method: string;
  /** The request's URL; `htu` must equal it without query and fragment. */
  url: string;
  /** The access token sent with it (`ath`). */
  accessToken: string;
  algorithms: readonly string[];
  /** How far `iat` may be from now, in seconds. */
  maxAgeSeconds: number;
  /** Seconds since the epoch. */
  now: number;
}

const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"];

function withoutQuery(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * Checks one DPoP proof JWT as a resource server (RFC 9449 §4.3 steps 1–11 and §7.1 `ath`):
 * one well-formed `dpop+jwt`, an accepted asymmetric `alg`, a public `jwk` that verifies the
 * signature, `jti`, `htm`, `htu`, a recent `iat` and `ath`. Replay (`jti`) and nonces are the
 * caller's ({@link JtiReplayCache}, {@link DPoPNonces}).
 *
 * @returns the verified proof, or the reason it was refused (never a token or key).
 */
export async function verifyDPoPProof(
  proof: string | undefined,
  expected: ProofExpectations,
): Promise<{ ok: true; proof: VerifiedProof } | { ok: false; reason: string }> {
  // RFC 9449 §4.3 (1): exactly one DPoP header; a JWT has no comma, two joined headers do.
  if (!proof || proof.includes(",")) return { ok: false, reason: "one DPoP proof header is required" };
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return { ok: false, reason: "the DPoP proof is not a JWT" };
  }
  if (header.typ !== "dpop+jwt") return { ok: false, reason: "typ must be dpop+jwt" };
  if (!header.alg || !expected.algorithms.includes(header.alg)) {
    return { ok: false, reason: "alg is not an accepted asymmetric algorithm" };
  }
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || PRIVATE_JWK_MEMBERS.some((name) => name in jwk)) {
    return { ok: false, reason: "jwk must be a public key" };
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: [...expected.algorithms],
    }));
  } catch {
    return { ok: false, reason: "the DPoP proof signature does not verify" };
  }
  if (typeof payload.jti !== "string" || payload.jti === "" || payload.jti.length > 256) {
    return { ok: false, reason: "jti is missing" };
  }
  if (payload.htm !== expected.method) return { ok: false, reason: "htm does not match the request method" };
  const htuClaim = typeof payload.htu === "string" ? payload.htu : "";
  const htu = URL.parse(htuClaim);
  // RFC 9449 §4.2: htu is the target URI without query and fragment.
  if (htu === null || htuClaim.includes("?") || htuClaim.includes("#")) {
    return { ok: false, reason: "htu must be the request URI without query or fragment" };
  }
  if (withoutQuery(htu) !== withoutQuery(new URL(expected.url))) {
    return { ok: false, reason: "htu does not match the request URI" };
  }
  if (typeof payload.iat !== "number" || Math.abs(expected.now - payload.iat) > expected.maxAgeSeconds) {
    return { ok: false, reason: "iat is not recent" };
  }
  // RFC 9449 §4.2: ath = base64url(SHA-256(ASCII access token)).
  const ath = createHash("sha256").update(expected.accessToken, "ascii").digest("base64url");
  if (payload.ath !== ath) return { ok: false, reason: "ath does not match the access token" };
  if (payload.nonce !== undefined && typeof payload.nonce !== "string") {
    return { ok: false, reason: "nonce must be a string" };
  }
  return {
    ok: true,
    proof: { jkt: await calculateJwkThumbprint(jwk, "sha256"), jti: payload.jti, nonce: payload.nonce },
  };
}

/**
 * Remembers the `jti` of every accepted proof for as long as its `iat` is acceptable, so the
 * same proof is accepted once (RFC 9449 §11.1). Bounded by time, not by count.
 */
export class JtiReplayCache {
  readonly #seen = new Map<string, number>();

  /** Returns false when `jti` (for this key) was seen within its window; records it otherwise. */
  firstUse(jkt: string, jti: string, expiresAt: number, now: number): boolean {
    for (const [key, until] of this.#seen) {
      if (until < now) this.#seen.delete(key);
    }
    const key = `${jkt} ${jti}`;
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, expiresAt);
    return true;
  }
}

/**
 * Server-provided nonces (RFC 9449 §9): one current nonce, replaced after `lifetimeSeconds`;
 * the one before it is still accepted for as long again, so a client mid-request is not refused.
 */
export class DPoPNonces {
  readonly #lifetime: number;
  #current = randomBytes(16).toString("base64url");
  #previous: string | undefined;
  #issuedAt: number;

  constructor(lifetimeSeconds: number, now: number) {
    this.#lifetime = lifetimeSeconds;
    this.#issuedAt = now;
  }

  /** The nonce to hand out now (rotating it when its time is up). */
  current(now: number): string {
    if (now - this.#issuedAt >= this.#lifetime) this.rotate(true, now);
    return this.#current;
  }

  accepts(nonce: string | undefined, now: number): boolean {
    const current = this.current(now);
    return nonce !== undefined && (nonce === current || nonce === this.#previous);
  }

  /** Issues a new nonce; the old one stays accepted only when `keepPrevious`. */
  rotate(keepPrevious: boolean, now: number): string {
    this.#previous = keepPrevious ? this.#current : undefined;
    this.#current = randomBytes(16).toString("base64url");
    this.#issuedAt = now;
    return this.#current;
  }
}
