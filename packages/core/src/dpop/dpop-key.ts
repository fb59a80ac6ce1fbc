/** @module DPoP keys (RFC 9449): a grant's key pair, generated with WebCrypto and kept as a private JWK. */
import { z } from "zod";

/**
 * The JWS algorithms authbus signs DPoP proofs with (RFC 9449 §4.2: asymmetric only), in order
 * of preference. `Ed25519` is the fully specified name of EdDSA over Ed25519 (RFC 9864).
 */
export const DPOP_ALGORITHMS = ["ES256", "Ed25519", "ES384", "ES512", "PS256", "RS256"] as const;

export const dpopAlgorithmSchema = z.enum(DPOP_ALGORITHMS);

/** One of {@link DPOP_ALGORITHMS}. */
export type DPoPAlgorithm = z.infer<typeof dpopAlgorithmSchema>;

// The JWK members (RFC 7518 §6) each key type needs; nothing else is stored.
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ["kty", "crv", "x", "y"],
  OKP: ["kty", "crv", "x"],
  RSA: ["kty", "n", "e"],
};
const PRIVATE_MEMBERS: Record<string, readonly string[]> = {
  EC: ["d"],
  OKP: ["d"],
  RSA: ["d", "p", "q", "dp", "dq", "qi"],
};

/**
 * The key pair the DPoP proofs of one grant are signed with (RFC 9449 §4), as a private JWK
 * (RFC 7517) so it outlives the process that made it: it is stored in the consent that asked
 * for the grant and beside the tokens it binds. A secret of the store that holds it, like a
 * token: never in an event, an error, a log or an interrupt.
 */
export const dpopKeySchema = z.strictObject({
  /** The JWS `alg` of the proofs (RFC 7518 §3.1, RFC 9864). */
  alg: dpopAlgorithmSchema,
  /** The private key as a JWK, `d` included; the public key is read from it. */
  jwk: z.record(z.string(), z.string()).refine((jwk) => {
    const kty = jwk.kty ?? "";
    const names = PUBLIC_MEMBERS[kty];
    return names !== undefined && [...names, ...(PRIVATE_MEMBERS[kty] ?? [])].every((name) => jwk[name]);
  }, "a private JWK with every member of its key type"),
});

/** A stored DPoP key; see {@link dpopKeySchema}. */
export type DPoPKey = z.infer<typeof dpopKeySchema>;

interface AlgorithmParameters {
  /** For generateKey / importKey. */
  key: RsaHashedImportParams | EcKeyImportParams | Algorithm;
  /** For sign / verify. */
  sign: RsaPssParams | EcdsaParams | Algorithm;
}

const RSA_GENERATE = { modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };

const PARAMETERS: Record<DPoPAlgorithm, AlgorithmParameters> = {
  ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  ES384: { key: { name: "ECDSA", namedCurve: "P-384" }, sign: { name: "ECDSA", hash: "SHA-384" } },
  ES512: { key: { name: "ECDSA", namedCurve: "P-521" }, sign: { name: "ECDSA", hash: "SHA-512" } },
  Ed25519: { key: { name: "Ed25519" }, sign: { name: "Ed25519" } },
  // RFC 7518 §3.5: the salt is as long as the hash.
  PS256: { key: { name: "RSA-PSS", hash: "SHA-256" }, sign: { name: "RSA-PSS", saltLength: 32 } },
  RS256: {
    key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
};

/** Tells whether `alg` is one authbus can sign DPoP proofs with. */
export function isDPoPAlgorithm(alg: unknown): alg is DPoPAlgorithm {
  return typeof alg === "string" && (DPOP_ALGORITHMS as readonly string[]).includes(alg);
}

/**
 * Generates a new key pair for one grant and exports it as a {@link DPoPKey}.
 *
 * @see RFC 9449 §2 ("the client generates a key pair"), RFC 7517
 * @example
 * const key = await generateDPoPKey("ES256"); // { alg: "ES256", jwk: { kty: "EC", crv: "P-256", x, y, d } }
 */
export async function generateDPoPKey(alg: DPoPAlgorithm = "ES256"): Promise<DPoPKey> {
  const parameters = PARAMETERS[alg];
  const generate =
    alg === "PS256" || alg === "RS256" ? { ...parameters.key, ...RSA_GENERATE } : parameters.key;
  const pair = (await crypto.subtle.generateKey(generate, true, ["sign", "verify"])) as CryptoKeyPair;
  const exported = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as Record<string, unknown>;
  const kty = String(exported.kty);
  const jwk: Record<string, string> = {};
  for (const name of [...(PUBLIC_MEMBERS[kty] ?? []), ...(PRIVATE_MEMBERS[kty] ?? [])]) {
    const value = exported[name];
    if (typeof value === "string") jwk[name] = value;
  }
  return dpopKeySchema.parse({ alg, jwk });
}

/**
 * The public half of a stored key as a JWK: what a proof's `jwk` header carries (RFC 9449 §4.2).
 * Never holds a private member.
 */
export function publicDPoPJwk(key: DPoPKey): Record<string, string> {
  const publicJwk: Record<string, string> = {};
  for (const name of PUBLIC_MEMBERS[key.jwk.kty ?? ""] ?? []) {
    const value = key.jwk[name];
    if (value !== undefined) publicJwk[name] = value;
  }
  return publicJwk;
}

/**
 * Imports a stored key for signing: the private key is not extractable again, the public key is
 * (a proof's header carries it).
 *
 * @throws {Error} (WebCrypto's `DataError`) when the JWK does not fit its `alg`.
 */
export async function importDPoPKey(key: DPoPKey): Promise<CryptoKeyPair> {
  const { key: algorithm } = PARAMETERS[key.alg];
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey("jwk", key.jwk, algorithm, false, ["sign"]),
    crypto.subtle.importKey("jwk", publicDPoPJwk(key), algorithm, true, ["verify"]),
  ]);
  return { privateKey, publicKey };
}

/** The WebCrypto `sign` parameters of a DPoP algorithm (ECDSA signatures come out as JWS wants them, r‖s). */
export function dpopSignParameters(alg: DPoPAlgorithm): RsaPssParams | EcdsaParams | Algorithm {
  return PARAMETERS[alg].sign;
}
