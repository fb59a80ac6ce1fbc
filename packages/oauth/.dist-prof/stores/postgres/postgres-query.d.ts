/** @module Running a query: connection failures become a typed StoreUnavailableError. */
import type pg from "pg";
/** A pool or a checked-out client: what a store runs its queries on. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;
/** Whether a driver error means the database could not be reached (rather than refused the query). */
export declare function isConnectionError(error: unknown): boolean;
/**
 * `error` as thrown to store callers: a connection failure becomes {@link StoreUnavailableError}
 * naming `operation`; anything else is returned as it is.
 */
export declare function toStoreError(error: unknown, operation: string): unknown;
/**
 * Runs one query.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached; other driver errors as they are.
 */
export declare function runQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(db: Queryable, operation: string, text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
/**
 * Runs `work` in one transaction on a client of `pool` (`BEGIN`, then `COMMIT`, or `ROLLBACK` when
 * it throws). A client whose connection broke is discarded, not returned to the pool.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached.
 */
export declare function inTransaction<T>(pool: pg.Pool, operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
/** Postgres's clock in epoch milliseconds, so every worker compares lease times on one clock. */
export declare const NOW_MS = "(floor(extract(epoch from clock_timestamp()) * 1000))::bigint";
