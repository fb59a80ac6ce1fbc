/**
 * @module Leases in SQLite, for every process that shares the file: a refresh lease per
 * (subject, resource) with a version and a fence beside the tokens, and named leases.
 */
import { type Lease, type LeaseStore, type RefreshLeaseAttempt, type TokenKey, type TokenSet } from "@authbus/core";
import type Database from "better-sqlite3";
/**
 * The tables: `authbus_token_leases` keeps, per key, a version that every write moves on (kept
 * across deletes, so a version is never reused), a fence that every acquisition moves on, and
 * when the current lease ends. `authbus_leases` holds named leases.
 */
export declare const SQLITE_LEASE_SCHEMA = "\nCREATE TABLE IF NOT EXISTS authbus_token_leases (\n  subject TEXT NOT NULL,\n  resource TEXT NOT NULL,\n  version INTEGER NOT NULL DEFAULT 0,\n  fence INTEGER NOT NULL DEFAULT 0,\n  lease_until INTEGER NOT NULL DEFAULT 0,\n  PRIMARY KEY (subject, resource)\n);\nCREATE TABLE IF NOT EXISTS authbus_leases (\n  name TEXT PRIMARY KEY,\n  fence INTEGER NOT NULL,\n  expires_at INTEGER NOT NULL\n);\n";
/**
 * The refresh-lease side of {@link SqliteTokenStore}: each step is one `BEGIN IMMEDIATE`
 * transaction, so SQLite's single writer lock makes it atomic across processes.
 */
export declare class SqliteRefreshLeases {
    #private;
    constructor(db: Database.Database);
    /** Moves the key's version on; call inside the transaction that writes the tokens. */
    bumpVersion(key: TokenKey): void;
    /**
     * @param read reads the stored tokens (inside the same transaction).
     * @param write stores or deletes (`undefined`) the tokens, moving the version on.
     */
    acquire(key: TokenKey, ttlMs: number, read: (key: TokenKey) => TokenSet | undefined, write: (key: TokenKey, tokens: TokenSet | undefined) => void): RefreshLeaseAttempt;
}
/**
 * A {@link LeaseStore} in SQLite: named leases shared by every process that opens the file.
 * Obtain one from {@link openSqliteStores} (`leases`).
 */
export declare class SqliteLeaseStore implements LeaseStore {
    #private;
    constructor(db: Database.Database);
    acquire(name: string, ttlMs: number): Promise<Lease | undefined>;
}
