/** @module ES256 JWTs and P-256 keys with node:crypto, for tests that play a workload identity platform. */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";

/** A P-256 key pair with its public JWK (`kid`, `alg: ES256`). */
export function createSigningKey(kid: string): { privateKey: KeyObject; publicJwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicJwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" } };
}

/** Signs `claims` as a compact ES256 JWS (RFC 7515 §7.1; ECDSA signature in the JOSE r||s form). */
export function signJwt(
  claims: Record<string, unknown>,
  privateKey: KeyObject,
  kid: string,
  typ = "JWT",
): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${part({ alg: "ES256", typ, kid })}.${part(claims)}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}
