import { NOW_MS, runQuery } from "./postgres-query.js";
function checkTtl(ttlMs) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
        throw new RangeError("ttlMs must be a positive whole number of milliseconds");
    }
    return ttlMs;
}
/**
 * A {@link LeaseStore} in Postgres: `acquire` is one `INSERT … ON CONFLICT DO UPDATE … WHERE`
 * that takes the name only when its lease has expired, so of concurrent callers on any workers at
 * most one gets it. Obtain one from {@link openPostgresStores} (`leases`).
 *
 * @example
 * const lease = await leases.acquire(`resume:${consentId}:${threadId}`, 30_000);
 * if (lease) try { await resumeThread(); } finally { await lease.release(); }
 */
export class PostgresLeaseStore {
    #pool;
    constructor(pool) {
        this.#pool = pool;
    }
    /** @throws {StoreUnavailableError} when the database cannot be reached. */
    async acquire(name, ttlMs) {
        checkTtl(ttlMs);
        const pool = this.#pool;
        const { rows } = await runQuery(pool, "acquire a lease", `INSERT INTO authbus_leases (name, fence, expires_at) VALUES ($1, 1, ${NOW_MS} + $2)
       ON CONFLICT (name) DO UPDATE SET fence = authbus_leases.fence + 1, expires_at = excluded.expires_at
       WHERE authbus_leases.expires_at <= ${NOW_MS}
       RETURNING fence, expires_at`, [name, ttlMs]);
        const row = rows[0];
        if (!row)
            return undefined;
        const fence = Number(row.fence);
        let expiresAt = Number(row.expires_at);
        return {
            name,
            fence,
            get expiresAt() {
                return expiresAt;
            },
            async renew(next) {
                checkTtl(next);
                const result = await runQuery(pool, "renew a lease", `UPDATE authbus_leases SET expires_at = ${NOW_MS} + $3 WHERE name = $1 AND fence = $2 RETURNING expires_at`, [name, fence, next]);
                const renewed = result.rows[0];
                if (renewed)
                    expiresAt = Number(renewed.expires_at);
                return renewed !== undefined;
            },
            async release() {
                await runQuery(pool, "release a lease", "UPDATE authbus_leases SET expires_at = 0 WHERE name = $1 AND fence = $2", [name, fence]);
            },
        };
    }
}
