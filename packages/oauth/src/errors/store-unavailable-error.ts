/** @module The typed error of a store whose database cannot be reached. */

import { AuthbusError } from "@authbus/core";

/**
 * The store's database could not be reached (connection refused, lost, timed out, the server
 * shutting down). Nothing was changed by the failed call; retry once the database is back (a
 * Postgres pool reconnects by itself). The message names the operation, never a value, a token
 * or the connection string; `cause` is the driver's error, which holds neither.
 *
 * @example
 * if (isAuthbusError(error, "STORE_UNAVAILABLE")) return new Response("try again shortly", { status: 503 });
 */
export class StoreUnavailableError extends AuthbusError<"STORE_UNAVAILABLE"> {
  override readonly name = "StoreUnavailableError";
  /** The database kind, e.g. `postgres`. */
  readonly store: string;

  constructor(options: { store: string; message: string; cause?: unknown }) {
    super({ code: "STORE_UNAVAILABLE", message: options.message, cause: options.cause });
    this.store = options.store;
  }
}
