/** @module Named leases in Postgres, shared by every worker, timed on the database's clock. */
import type { Lease, LeaseStore } from "@authbus/core";
import type pg from "pg";
/**
 * A {@link LeaseStore} in Postgres: `acquire` is one `INSERT … ON CONFLICT DO UPDATE … WHERE`
 * that takes the name only when its lease has expired, so of concurrent callers on any workers at
 * most one gets it. Obtain one from {@link openPostgresStores} (`leases`).
 *
 * @example
 * const lease = await leases.acquire(`resume:${consentId}:${threadId}`, 30_000);
 * if (lease) try { await resumeThread(); } finally { await lease.release(); }
 */
export declare class PostgresLeaseStore implements LeaseStore {
    #private;
    constructor(pool: pg.Pool);
    /** @throws {StoreUnavailableError} when the database cannot be reached. */
    acquire(name: string, ttlMs: number): Promise<Lease | undefined>;
}
