/** @module The typed error of a SQLite store value that cannot be read back. */
export const STORE_CORRUPT = "STORE_CORRUPT";
/**
 * A stored row that cannot be turned back into what was written. The message names the table
 * and the row's key (subject, resource, consent id or issuer), never a value, a token or a
 * secret; no crypto or JSON error is kept as `cause`.
 *
 * @example
 * if (isStoreCorruptError(error)) await stores.tokens.delete(key); // forget it and consent again
 */
export class StoreCorruptError extends Error {
    name = "StoreCorruptError";
    code = STORE_CORRUPT;
    problem;
    table;
    constructor(problem, table, row) {
        const text = {
            unreadable: "is not a sealed value",
            tampered: "does not verify (changed, moved from another row, or sealed under another secret)",
            invalid_json: "does not hold JSON",
            invalid_record: "does not match the record schema",
        };
        super(`the stored value in ${table} for ${row} ${text[problem]}`);
        this.problem = problem;
        this.table = table;
    }
}
/** Recognises {@link StoreCorruptError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export function isStoreCorruptError(error) {
    return (error instanceof Error &&
        error.name === "StoreCorruptError" &&
        error.code === STORE_CORRUPT);
}
