import pg from "pg";
import { runQuery } from "./postgres-query.js";
/** NOTIFY refuses a payload of 8000 bytes or more; longer messages go through the spool table. */
export const NOTIFY_PAYLOAD_LIMIT = 7999;
/** The largest message published at all: 256 KiB. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const SPOOL_PREFIX = "@spool:";
const SPOOL_KEEP_MS = 5 * 60_000;
const encoder = new TextEncoder();
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
export function createPostgresBusTransport(options) {
    const { pool } = options;
    const channel = options.channel ?? "authbus_events";
    // An identifier, so it can be put in LISTEN as it is.
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
        throw new RangeError("channel must be a lower-case identifier of at most 63 characters");
    }
    const onError = options.onError ?? (() => undefined);
    let listener;
    let onMessage;
    let closed = false;
    let delay = 100;
    let reconnectTimer;
    let delivery = Promise.resolve();
    const deliver = async (payload) => {
        if (!payload.startsWith(SPOOL_PREFIX)) {
            onMessage?.(payload);
            return;
        }
        const id = payload.slice(SPOOL_PREFIX.length);
        if (!/^\d{1,19}$/.test(id))
            return;
        const { rows } = await runQuery(pool, "read a spooled bus message", "SELECT message FROM authbus_bus_messages WHERE id = $1", [id]);
        if (rows[0])
            onMessage?.(rows[0].message);
    };
    const connect = async () => {
        const client = new pg.Client(pool.options);
        client.on("notification", (notification) => {
            if (notification.channel !== channel || notification.payload === undefined)
                return;
            const payload = notification.payload;
            // In order: a spooled message is read before the next one is delivered.
            delivery = delivery.then(() => deliver(payload)).catch(onError);
        });
        const lost = (error) => {
            if (listener !== client)
                return;
            listener = undefined;
            client.removeAllListeners("notification");
            void client.end().catch(() => undefined);
            if (error !== undefined)
                onError(error);
            scheduleReconnect();
        };
        client.on("error", (error) => lost(error));
        client.on("end", () => lost());
        await client.connect();
        try {
            await client.query(`LISTEN ${channel}`);
        }
        catch (error) {
            await client.end().catch(() => undefined);
            throw error;
        }
        if (closed) {
            await client.end().catch(() => undefined);
            return;
        }
        listener = client;
        delay = 100;
    };
    const scheduleReconnect = () => {
        if (closed || reconnectTimer)
            return;
        reconnectTimer = setTimeout(() => {
            reconnectTimer = undefined;
            connect().then(() => {
                if (!closed)
                    options.onReconnect?.();
            }, (error) => {
                onError(error);
                delay = Math.min(delay * 2, 5_000);
                scheduleReconnect();
            });
        }, delay);
        reconnectTimer.unref?.();
    };
    const publishOne = async (message) => {
        const bytes = encoder.encode(message).byteLength;
        if (bytes > MAX_MESSAGE_BYTES)
            throw new RangeError(`a bus message of ${bytes} bytes is over the limit`);
        let payload = message;
        if (bytes > NOTIFY_PAYLOAD_LIMIT) {
            const { rows } = await runQuery(pool, "spool a bus message", `WITH gone AS (DELETE FROM authbus_bus_messages WHERE created_at < $2)
         INSERT INTO authbus_bus_messages (message, created_at) VALUES ($1, $3) RETURNING id`, [message, Date.now() - SPOOL_KEEP_MS, Date.now()]);
            payload = `${SPOOL_PREFIX}${rows[0]?.id}`;
        }
        await runQuery(pool, "publish a bus message", "SELECT pg_notify($1, $2)", [channel, payload]);
    };
    let publishing = Promise.resolve();
    return {
        maxMessageBytes: MAX_MESSAGE_BYTES,
        get listening() {
            return listener !== undefined;
        },
        publish(message) {
            // One after the other, so a spooled message is not overtaken by a later short one.
            const sent = publishing.then(() => publishOne(message));
            publishing = sent.catch(() => undefined);
            return sent;
        },
        async subscribe(handler) {
            onMessage = handler;
            await connect();
        },
        async close() {
            closed = true;
            if (reconnectTimer)
                clearTimeout(reconnectTimer);
            const client = listener;
            listener = undefined;
            await client?.end().catch(() => undefined);
            await delivery.catch(() => undefined);
        },
    };
}
