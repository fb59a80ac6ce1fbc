/** @module Running a query: connection failures become a typed StoreUnavailableError. */

import { isAuthbusError } from "@authbus/core";
import type pg from "pg";
import { StoreUnavailableError } from "../../errors/store-unavailable-error.js";

/** A pool or a checked-out client: what a store runs its queries on. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

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
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_SYSCALLS.has(code))) {
    return true;
  }
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Cannot use a pool after calling end/i.test(
    error.message,
  );
}

/**
 * `error` as thrown to store callers: a connection failure becomes {@link StoreUnavailableError}
 * naming `operation`; anything else is returned as it is.
 */
export function toStoreError(error: unknown, operation: string): unknown {
  if (!isConnectionError(error)) return error;
  return new StoreUnavailableError({
    store: "postgres",
    message: `the Postgres store could not be reached (${operation})`,
    cause: error,
  });
}

/**
 * Runs one query.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached; other driver errors as they are.
 */
export async function runQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  operation: string,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  try {
    return await (db as pg.Pool).query<R>(text, values);
  } catch (error) {
    throw toStoreError(error, operation);
  }
}

/**
 * Runs `work` in one transaction on a client of `pool` (`BEGIN`, then `COMMIT`, or `ROLLBACK` when
 * it throws). A client whose connection broke is discarded, not returned to the pool.
 *
 * @throws {StoreUnavailableError} when the database cannot be reached.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  operation: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toStoreError(error, operation);
  }
  let broken: unknown;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    if (isConnectionError(error) || isAuthbusError(error, "STORE_UNAVAILABLE")) broken = error;
    else await client.query("ROLLBACK").catch((rollback: unknown) => (broken = rollback));
    throw toStoreError(error, operation);
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}

/** Postgres's clock in epoch milliseconds, so every worker compares lease times on one clock. */
export const NOW_MS = "(floor(extract(epoch from clock_timestamp()) * 1000))::bigint";
