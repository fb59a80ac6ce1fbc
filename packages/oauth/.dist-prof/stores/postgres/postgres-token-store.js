/** @module A TokenStore in Postgres: sealed token sets, and one refresh per key across every worker (lease row, fence, version). */
import { checkTokenKey, checkTokenSet, } from "@authbus/core";
import { readStored } from "../sqlite/stored-value.js";
import { inTransaction, NOW_MS, runQuery } from "./postgres-query.js";
const aadOf = (key) => `authbus_tokens\u0000${JSON.stringify([key.subject, key.resource])}`;
function checkTtl(ttlMs) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
        throw new RangeError("ttlMs must be a positive whole number of milliseconds");
    }
    return ttlMs;
}
/**
 * A durable {@link TokenStore} shared by every worker. Obtain one from {@link openPostgresStores}.
 * Token sets are sealed as in the SQLite store (AES-256-GCM, bound to their row).
 *
 * Refresh leases (`RefreshLeases` in `@authbus/core`): `authbus_token_leases` keeps per key a
 * version (moved on by every write, never reused), a fence (moved on by every acquisition) and
 * the lease's end on the database's clock; each step locks that row (`SELECT … FOR UPDATE`) in
 * one transaction.
 *
 * @example
 * const { tokens } = await openPostgresStores({ connectionString: process.env.AUTHBUS_DATABASE_URL });
 * await tokens.get({ subject: "alice", resource: "https://files.example.com/mcp" });
 */
export class PostgresTokenStore {
    #pool;
    #box;
    constructor(pool, box) {
        this.#pool = pool;
        this.#box = box;
    }
    /** @throws {StoreUnavailableError | StoreCorruptError} */
    async get(key) {
        return this.#read(this.#pool, checkTokenKey(key));
    }
    /** @throws {InvalidTokenSetError | StoreUnavailableError} */
    async set(key, tokens) {
        const checked = checkTokenKey(key);
        const stored = checkTokenSet(tokens);
        await inTransaction(this.#pool, "store tokens", (client) => this.#write(client, checked, stored));
    }
    /** @throws {StoreUnavailableError} */
    async delete(key) {
        const checked = checkTokenKey(key);
        await inTransaction(this.#pool, "delete tokens", (client) => this.#write(client, checked, undefined));
    }
    /**
     * One refresh per key across every worker: see `RefreshLeases` in `@authbus/core`.
     *
     * @throws {StoreUnavailableError | StoreCorruptError}
     */
    async acquireRefreshLease(key, ttlMs) {
        checkTtl(ttlMs);
        const checked = checkTokenKey(key);
        const taken = await inTransaction(this.#pool, "acquire a refresh lease", async (client) => {
            const row = await this.#lockLease(client, checked);
            const tokens = await this.#read(client, checked);
            const now = Number(row.now);
            if (Number(row.lease_until) > now) {
                return {
                    acquired: false,
                    tokens,
                    version: Number(row.version),
                    heldUntil: Number(row.lease_until),
                };
            }
            await runQuery(client, "acquire a refresh lease", `UPDATE authbus_token_leases SET fence = fence + 1, lease_until = $3
         WHERE subject = $1 AND resource = $2`, [checked.subject, checked.resource, now + ttlMs]);
            return {
                acquired: true,
                fence: Number(row.fence) + 1,
                version: Number(row.version),
                expiresAt: now + ttlMs,
                tokens,
            };
        });
        if (!taken.acquired)
            return taken;
        return { acquired: true, lease: this.#lease(checked, taken) };
    }
    #lease(key, taken) {
        const { fence, version } = taken;
        const compareAndSet = (next) => inTransaction(this.#pool, "commit a refresh", async (client) => {
            const row = await this.#lockLease(client, key);
            // Fencing: only the newest holder, and only over the version it read.
            if (Number(row.fence) !== fence || Number(row.version) !== version)
                return false;
            await this.#write(client, key, next);
            return true;
        });
        return {
            key,
            fence,
            version,
            expiresAt: taken.expiresAt,
            tokens: taken.tokens,
            commit: async (next) => compareAndSet(checkTokenSet(next)),
            discard: () => compareAndSet(undefined),
            renew: async (ttlMs) => {
                checkTtl(ttlMs);
                const result = await runQuery(this.#pool, "renew a refresh lease", `UPDATE authbus_token_leases SET lease_until = ${NOW_MS} + $4
           WHERE subject = $1 AND resource = $2 AND fence = $3`, [key.subject, key.resource, fence, ttlMs]);
                return result.rowCount === 1;
            },
            release: async () => {
                await runQuery(this.#pool, "release a refresh lease", "UPDATE authbus_token_leases SET lease_until = 0 WHERE subject = $1 AND resource = $2 AND fence = $3", [key.subject, key.resource, fence]);
            },
        };
    }
    /** The key's lease row, created if missing, locked until the transaction ends. */
    async #lockLease(client, key) {
        await runQuery(client, "lock a refresh lease", `INSERT INTO authbus_token_leases (subject, resource) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [key.subject, key.resource]);
        const result = await runQuery(client, "lock a refresh lease", `SELECT version, fence, lease_until, ${NOW_MS} AS now FROM authbus_token_leases
       WHERE subject = $1 AND resource = $2 FOR UPDATE`, [key.subject, key.resource]);
        const row = result.rows[0];
        if (!row)
            throw new Error("the refresh lease row vanished inside its transaction");
        return row;
    }
    async #read(db, checked) {
        const result = await runQuery(db, "read tokens", "SELECT sealed FROM authbus_tokens WHERE subject = $1 AND resource = $2", [checked.subject, checked.resource]);
        const row = result.rows[0];
        if (!row)
            return undefined;
        const aad = aadOf(checked);
        // A tampered or corrupt row is a StoreCorruptError, never a crypto error or a SyntaxError.
        return readStored("authbus_tokens", aad.slice(aad.indexOf("\u0000") + 1), this.#box.open(row.sealed, aad), checkTokenSet);
    }
    /** Stores or deletes, moving the key's version on (inside the caller's transaction). */
    async #write(client, checked, tokens) {
        const { subject, resource } = checked;
        // The lease row first, as every lease step locks it first: no lock-order deadlock.
        await runQuery(client, "store tokens", `INSERT INTO authbus_token_leases (subject, resource, version) VALUES ($1, $2, 1)
       ON CONFLICT (subject, resource) DO UPDATE SET version = authbus_token_leases.version + 1`, [subject, resource]);
        if (tokens === undefined) {
            await runQuery(client, "delete tokens", "DELETE FROM authbus_tokens WHERE subject = $1 AND resource = $2", [subject, resource]);
        }
        else {
            const sealed = this.#box.seal(JSON.stringify(tokens), aadOf(checked));
            await runQuery(client, "store tokens", `INSERT INTO authbus_tokens (subject, resource, sealed, updated_at) VALUES ($1, $2, $3, ${NOW_MS})
         ON CONFLICT (subject, resource) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`, [subject, resource, sealed]);
        }
    }
}
