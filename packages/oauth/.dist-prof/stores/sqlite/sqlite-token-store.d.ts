/** @module A TokenStore in SQLite: the whole token set sealed with AES-256-GCM, bound to its (subject, resource). */
import { type RefreshLeaseAttempt, type TokenKey, type TokenSet, type TokenStore } from "@authbus/core";
import type Database from "better-sqlite3";
import type { SecretBox } from "./secret-box.js";
/**
 * A durable {@link TokenStore}. Obtain one from {@link openSqliteStores}. better-sqlite3 is
 * synchronous; the methods are async to keep the store interface.
 *
 * @example
 * const { tokens } = openSqliteStores({ path: "authbus.db" });
 * await tokens.get({ subject: "alice", resource: "https://files.example.com/mcp" });
 */
export declare class SqliteTokenStore implements TokenStore {
    #private;
    constructor(db: Database.Database, box: SecretBox);
    get(key: TokenKey): Promise<TokenSet | undefined>;
    /** @throws {InvalidTokenSetError} when `tokens` is not a valid token set. */
    set(key: TokenKey, tokens: TokenSet): Promise<void>;
    delete(key: TokenKey): Promise<void>;
    /**
     * One refresh per key across every process sharing the file (see `RefreshLeases` in
     * `@authbus/core`): a lease row with an expiry and a fence, a version moved on by every write,
     * each step one `BEGIN IMMEDIATE` transaction.
     */
    acquireRefreshLease(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt>;
}
