/** @module AES-256-GCM sealing of store values under a key derived (HKDF-SHA256) from AUTHBUS_SECRET. */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { StoreSecretError } from "../../errors/oauth-errors.js";
import { StoreCorruptError } from "../../errors/store-errors.js";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The shortest secret accepted. */
export const MIN_SECRET_LENGTH = 32;

/** Seals and opens values; `aad` binds each value to its row so rows cannot be swapped. */
export interface SecretBox {
  seal(plaintext: string, aad: string): Buffer;
  /**
   * @throws {StoreCorruptError} `unreadable` when `sealed` is not a sealed value, `tampered` when
   *   it was not sealed under this key and `aad` (never a raw crypto error).
   */
  open(sealed: unknown, aad: string): string;
  /** A keyed, non-reversible lookup value (HMAC-SHA256) for finding a row by a secret. */
  lookup(value: string): string;
}

/**
 * Derives the store keys from `secret` and the file's random `salt`: one AES-256-GCM key and
 * one HMAC key, 32 bytes each, by HKDF-SHA256 with distinct `info`.
 *
 * @see RFC 5869 (HKDF), NIST SP 800-38D (GCM, 96-bit random IV)
 * @throws {StoreSecretError} when the secret is shorter than 32 characters.
 */
export function createSecretBox(secret: string, salt: Uint8Array): SecretBox {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new StoreSecretError({
      problem: "too_short",
      message: `the store secret is shorter than ${MIN_SECRET_LENGTH} characters; use a random value, e.g. \`openssl rand -base64 48\``,
    });
  }
  const derive = (info: string) =>
    Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), salt, `authbus/sqlite-store/v1/${info}`, 32));
  const encryptionKey = derive("aes-256-gcm");
  const lookupKey = derive("hmac-sha256-lookup");

  return {
    seal(plaintext, aad) {
      // A fresh random 96-bit IV for every value.
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", encryptionKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
    },
    open(sealed, aad) {
      // A row edited by hand can hold TEXT (or base64) where a BLOB belongs: refused, not decoded.
      if (!(sealed instanceof Uint8Array)) throw corrupt("unreadable", aad);
      const bytes = Buffer.from(sealed);
      if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) throw corrupt("unreadable", aad);
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", encryptionKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(tag);
      try {
        // NIST SP 800-38D: GCM verifies the tag (and the AAD binding to the row) in final().
        return Buffer.concat([
          decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw corrupt("tampered", aad);
      }
    },
    lookup(value) {
      return createHmac("sha256", lookupKey).update(value, "utf8").digest("base64url");
    },
  };
}

// The AAD is `table NUL row-key`; the error names both, never the value.
function corrupt(problem: "unreadable" | "tampered", aad: string): StoreCorruptError {
  const split = aad.indexOf("\u0000");
  return split < 0
    ? new StoreCorruptError({ problem, table: aad, row: "its row" })
    : new StoreCorruptError({ problem, table: aad.slice(0, split), row: aad.slice(split + 1) });
}
