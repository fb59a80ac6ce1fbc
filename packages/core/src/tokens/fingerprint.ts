/** @module Short, non-reversible names for tokens, for events and logs. */

const fingerprintPattern = /^fp_[A-Za-z0-9_-]{12}$/;

/** The shape of a token fingerprint: `fp_` and 12 base64url characters (72 bits of SHA-256). */
export const TOKEN_FINGERPRINT_PATTERN: RegExp = fingerprintPattern;

/** The part of `node:crypto` used here. */
interface NodeHashing {
  createHash(algorithm: "sha256"): { update(data: string, encoding: "utf8"): { digest(): Uint8Array } };
}

// Where `node:crypto` is at hand (Node, Deno, Bun), SHA-256 runs inline: Web Crypto's digest
// costs a thread-pool job and a promise per call, about 20 times as much for a token. Elsewhere
// (browsers, workers) Web Crypto.
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.("node:crypto") as NodeHashing | undefined;

/**
 * Names a token without revealing it: `fp_` plus the first 72 bits of its SHA-256, base64url.
 * Events and errors carry this instead of the token so a reader can tell two tokens apart
 * (was it refreshed?) without being able to use either.
 *
 * @example
 * await fingerprintToken(accessToken); // "fp_q0Yl2N0F1cZk"
 */
export async function fingerprintToken(token: string): Promise<string> {
  const digest = nodeCrypto
    ? nodeCrypto.createHash("sha256").update(token, "utf8").digest()
    : new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  let binary = "";
  for (const byte of digest.subarray(0, 9)) binary += String.fromCharCode(byte);
  return `fp_${btoa(binary).replaceAll("+", "-").replaceAll("/", "_")}`;
}
