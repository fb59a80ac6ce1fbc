/** @module The typed error of a SQLite store value that cannot be read back. */
export declare const STORE_CORRUPT: "STORE_CORRUPT";
/**
 * What was wrong with a stored value: not a sealed value at all (`unreadable`); sealed, but the
 * AES-GCM tag does not verify under this key and row (`tampered`: changed, moved to another row,
 * or written under another key); decrypted but not JSON (`invalid_json`); JSON that fails the
 * record's schema (`invalid_record`).
 */
export type StoreCorruption = "unreadable" | "tampered" | "invalid_json" | "invalid_record";
/**
 * A stored row that cannot be turned back into what was written. The message names the table
 * and the row's key (subject, resource, consent id or issuer), never a value, a token or a
 * secret; no crypto or JSON error is kept as `cause`.
 *
 * @example
 * if (isStoreCorruptError(error)) await stores.tokens.delete(key); // forget it and consent again
 */
export declare class StoreCorruptError extends Error {
    readonly name = "StoreCorruptError";
    readonly code: "STORE_CORRUPT";
    readonly problem: StoreCorruption;
    readonly table: string;
    constructor(problem: StoreCorruption, table: string, row: string);
}
/** Recognises {@link StoreCorruptError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isStoreCorruptError(error: unknown): error is StoreCorruptError;
