/** @module DPoP proofs for resource requests (RFC 9449 §4, §7), signed with WebCrypto. */
import { type DPoPKey, dpopSignParameters, importDPoPKey, publicDPoPJwk } from "@authbus/core";

/** What one proof is for. */
export interface DPoPProofInput {
  /** The request's method (`htm`). */
  method: string;
  /** The request's URL; `htu` is it without query and fragment. */
  url: string | URL;
  /** The access token sent with it: `ath` binds the proof to it. */
  accessToken?: string | undefined;
  /** The server's latest nonce (RFC 9449 §9), when it gave one. */
  nonce?: string | undefined;
  /** Clock, epoch milliseconds. Default `Date.now()`. */
  now?: number | undefined;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

// Imported keys by the stored key's public `x`/`n` (the private member is never a map key);
// a process holds few grants, so the cache stays small, and the oldest goes first.
const MAX_KEYS = 100;
const importedKeys = new Map<string, Promise<CryptoKeyPair>>();

function keyPairOf(key: DPoPKey): Promise<CryptoKeyPair> {
  const id = JSON.stringify([key.alg, publicDPoPJwk(key)]);
  let pair = importedKeys.get(id);
  if (!pair) {
    pair = importDPoPKey(key);
    pair.catch(() => importedKeys.delete(id));
    if (importedKeys.size >= MAX_KEYS) {
      const oldest = importedKeys.keys().next().value;
      if (oldest !== undefined) importedKeys.delete(oldest);
    }
    importedKeys.set(id, pair);
  }
  return pair;
}

/**
 * Signs a fresh DPoP proof JWT: header `typ: dpop+jwt`, the key's `alg` and public `jwk`;
 * claims `jti` (random), `htm`, `htu` (no query, no fragment), `iat`, and `ath` =
 * base64url(SHA-256(access token)) and `nonce` when given.
 *
 * @see RFC 9449 §4.2 (proof syntax), §7.1 (`ath`), §9 (`nonce`)
 * @example
 * const proof = await createDPoPProof(tokens.dpopKey, { method: "POST", url, accessToken: tokens.accessToken });
 * headers.set("authorization", `DPoP ${tokens.accessToken}`);
 * headers.set("dpop", proof);
 * @throws {Error} (WebCrypto's) when the stored key does not fit its `alg`.
 */
export async function createDPoPProof(key: DPoPKey, input: DPoPProofInput): Promise<string> {
  const target = new URL(input.url);
  const header = { typ: "dpop+jwt", alg: key.alg, jwk: publicDPoPJwk(key) };
  const claims: Record<string, unknown> = {
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
    htm: input.method.toUpperCase(),
    // RFC 9449 §4.2: the target URI without query and fragment.
    htu: `${target.origin}${target.pathname}`,
    iat: Math.floor((input.now ?? Date.now()) / 1000),
  };
  if (input.accessToken !== undefined) {
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(input.accessToken));
    claims.ath = base64url(new Uint8Array(digest));
  }
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  const signingInput = `${base64url(encoder.encode(JSON.stringify(header)))}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
  const { privateKey } = await keyPairOf(key);
  const signature = await crypto.subtle.sign(
    dpopSignParameters(key.alg),
    privateKey,
    encoder.encode(signingInput),
  );
  return `${signingInput}.${base64url(new Uint8Array(signature))}`;
}
