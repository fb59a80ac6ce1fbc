/** @module A BusTransport over Postgres LISTEN/NOTIFY: one listening connection that comes back by itself, large messages spooled. */
import type { BusTransport } from "@authbus/core";
import pg from "pg";
/** Options of {@link createPostgresBusTransport}. */
export interface PostgresBusTransportOptions {
    /** Publishes (`pg_notify`) and reads spooled messages; its settings open the listening connection. */
    pool: pg.Pool;
    /** The NOTIFY channel, a lower-case identifier. Default `authbus_events`. */
    channel?: string;
    /**
     * Called each time the listening connection is back after a loss. Messages published while it
     * was down were not delivered here: re-read what matters from the stores (e.g. `resumer.recover()`).
     */
    onReconnect?: () => void;
    /** Told about a lost listening connection or a spooled message that could not be read. */
    onError?: (error: unknown) => void;
}
/** What {@link createPostgresBusTransport} returns: a {@link BusTransport} that says whether it is listening. */
export interface PostgresBusTransport extends BusTransport {
    /** Whether the listening connection is up. */
    readonly listening: boolean;
}
/** NOTIFY refuses a payload of 8000 bytes or more; longer messages go through the spool table. */
export declare const NOTIFY_PAYLOAD_LIMIT = 7999;
/**
 * Carries bridge messages between workers with Postgres `LISTEN/NOTIFY` (pass it to
 * `bridgeAuthBus` of `@authbus/core`). A message up to {@link NOTIFY_PAYLOAD_LIMIT} bytes is the
 * NOTIFY payload itself; a longer one (up to 256 KiB) is written to `authbus_bus_messages` and
 * the payload names its row. Messages are delivered in the order they arrive.
 *
 * The listening connection is a client of its own (not from the pool). When it is lost it is
 * opened again with backoff (100 ms up to 5 s) and `LISTEN` is issued again; `onReconnect` is
 * called then. Delivery is at most once: what must not be lost lives in the stores.
 *
 * @see PostgreSQL 15 manual, NOTIFY ("the payload must be shorter than 8000 bytes")
 * @example
 * const stores = await openPostgresStores({ connectionString });
 * const bridge = await bridgeAuthBus({ bus, transport: createPostgresBusTransport({ pool: stores.pool }) });
 */
export declare function createPostgresBusTransport(options: PostgresBusTransportOptions): PostgresBusTransport;
