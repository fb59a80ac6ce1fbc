import { isStoreUnavailableError, StoreUnavailableError } from "../../errors/store-unavailable-error.js";
// SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 53300 (too many connections).
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|53300)$/;
const UNAVAILABLE_SYSCALLS = new Set([
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EPIPE",
    "ENOTFOUND",
    "EHOSTUNREACH",
]);
/** Whether a driver error means the database could not be reached (rather than refused the query). */
export function isConnectionError(error) {
    if (!(error instanceof Error))
        return false;
    const code = error.code;
    if (typeof code === "string" && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_SYSCALLS.has(code))) {
        return true;
    }
    return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Cannot use a pool after calling end/i.test(error.message);
}
/**
 * `error` as thrown to store callers: a connection failure becomes {@link StoreUnavailableError}
 * naming `operation`; anything else is returned as it is.
 */
export function toStoreError(error, operation) {
    if (!isConnectionError(error))
        return error;
    return new StoreUnavailableError("postgres", `the Postgres store could not be reached (${operation})`, {
        cause: error,
    });
}
/**
 * Runs one query.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached; other driver errors as they are.
 */
export async function runQuery(db, operation, text, values = []) {
    try {
        return await db.query(text, values);
    }
    catch (error) {
        throw toStoreError(error, operation);
    }
}
/**
 * Runs `work` in one transaction on a client of `pool` (`BEGIN`, then `COMMIT`, or `ROLLBACK` when
 * it throws). A client whose connection broke is discarded, not returned to the pool.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached.
 */
export async function inTransaction(pool, operation, work) {
    let client;
    try {
        client = await pool.connect();
    }
    catch (error) {
        throw toStoreError(error, operation);
    }
    let broken;
    try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
    }
    catch (error) {
        if (isConnectionError(error) || isStoreUnavailableError(error))
            broken = error;
        else
            await client.query("ROLLBACK").catch((rollback) => (broken = rollback));
        throw toStoreError(error, operation);
    }
    finally {
        client.release(broken instanceof Error ? broken : undefined);
    }
}
/** Postgres's clock in epoch milliseconds, so every worker compares lease times on one clock. */
export const NOW_MS = "(floor(extract(epoch from clock_timestamp()) * 1000))::bigint";
