/** @module A TokenStore in Postgres: sealed token sets, and one refresh per key across every worker (lease row, fence, version). */
import { type RefreshLeaseAttempt, type TokenKey, type TokenSet, type TokenStore } from "@authbus/core";
import type pg from "pg";
import type { SecretBox } from "../sqlite/secret-box.js";
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
export declare class PostgresTokenStore implements TokenStore {
    #private;
    constructor(pool: pg.Pool, box: SecretBox);
    /** @throws {StoreUnavailableError | StoreCorruptError} */
    get(key: TokenKey): Promise<TokenSet | undefined>;
    /** @throws {InvalidTokenSetError | StoreUnavailableError} */
    set(key: TokenKey, tokens: TokenSet): Promise<void>;
    /** @throws {StoreUnavailableError} */
    delete(key: TokenKey): Promise<void>;
    /**
     * One refresh per key across every worker: see `RefreshLeases` in `@authbus/core`.
     *
     * @throws {StoreUnavailableError | StoreCorruptError}
     */
    acquireRefreshLease(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt>;
}
