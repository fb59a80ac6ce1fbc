/** The shortest secret accepted. */
export declare const MIN_SECRET_LENGTH = 32;
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
export declare function createSecretBox(secret: string, salt: Uint8Array): SecretBox;
