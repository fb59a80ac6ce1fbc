/** @module The typed error of a store whose database cannot be reached. */
export declare const STORE_UNAVAILABLE: "STORE_UNAVAILABLE";
/**
 * The store's database could not be reached (connection refused, lost, timed out, the server
 * shutting down). Nothing was changed by the failed call; retry once the database is back (a
 * Postgres pool reconnects by itself). The message names the operation, never a value, a token
 * or the connection string; `cause` is the driver's error, which holds neither.
 *
 * @example
 * if (isStoreUnavailableError(error)) return new Response("try again shortly", { status: 503 });
 */
export declare class StoreUnavailableError extends Error {
    readonly name = "StoreUnavailableError";
    readonly code: "STORE_UNAVAILABLE";
    /** The database kind, e.g. `postgres`. */
    readonly store: string;
    constructor(store: string, message: string, options?: {
        cause?: unknown;
    });
}
/** Recognises {@link StoreUnavailableError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isStoreUnavailableError(error: unknown): error is StoreUnavailableError;
