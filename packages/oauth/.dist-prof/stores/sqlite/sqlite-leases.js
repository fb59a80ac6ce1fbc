/**
 * @module Leases in SQLite, for every process that shares the file: a refresh lease per
 * (subject, resource) with a version and a fence beside the tokens, and named leases.
 */
import { checkTokenKey, checkTokenSet, } from "@authbus/core";
/**
 * The tables: `authbus_token_leases` keeps, per key, a version that every write moves on (kept
 * across deletes, so a version is never reused), a fence that every acquisition moves on, and
 * when the current lease ends. `authbus_leases` holds named leases.
 */
export const SQLITE_LEASE_SCHEMA = `
CREATE TABLE IF NOT EXISTS authbus_token_leases (
  subject TEXT NOT NULL,
  resource TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  fence INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (subject, resource)
);
CREATE TABLE IF NOT EXISTS authbus_leases (
  name TEXT PRIMARY KEY,
  fence INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
`;
function checkTtl(ttlMs) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
        throw new RangeError("ttlMs must be a positive whole number of milliseconds");
    }
    return ttlMs;
}
/**
 * The refresh-lease side of {@link SqliteTokenStore}: each step is one `BEGIN IMMEDIATE`
 * transaction, so SQLite's single writer lock makes it atomic across processes.
 */
export class SqliteRefreshLeases {
    #db;
    #read;
    #bump;
    #take;
    #renew;
    #release;
    constructor(db) {
        this.#db = db;
        this.#read = db.prepare("SELECT version, fence, lease_until FROM authbus_token_leases WHERE subject = ? AND resource = ?");
        this.#bump = db.prepare(`INSERT INTO authbus_token_leases (subject, resource, version) VALUES (?, ?, 1)
       ON CONFLICT (subject, resource) DO UPDATE SET version = version + 1`);
        this.#take = db.prepare(`UPDATE authbus_token_leases SET fence = fence + 1, lease_until = ? WHERE subject = ? AND resource = ?`);
        this.#renew = db.prepare("UPDATE authbus_token_leases SET lease_until = ? WHERE subject = ? AND resource = ? AND fence = ?");
        this.#release = db.prepare("UPDATE authbus_token_leases SET lease_until = 0 WHERE subject = ? AND resource = ? AND fence = ?");
    }
    /** Moves the key's version on; call inside the transaction that writes the tokens. */
    bumpVersion(key) {
        this.#bump.run(key.subject, key.resource);
    }
    /**
     * @param read reads the stored tokens (inside the same transaction).
     * @param write stores or deletes (`undefined`) the tokens, moving the version on.
     */
    acquire(key, ttlMs, read, write) {
        checkTtl(ttlMs);
        const checked = checkTokenKey(key);
        const take = this.#db.transaction(() => {
            const now = Date.now();
            const tokens = read(checked);
            let row = this.#read.get(checked.subject, checked.resource);
            if (!row) {
                this.#db
                    .prepare("INSERT INTO authbus_token_leases (subject, resource) VALUES (?, ?)")
                    .run(checked.subject, checked.resource);
                row = { version: 0, fence: 0, lease_until: 0 };
            }
            if (row.lease_until > now) {
                return { acquired: false, tokens, version: row.version, heldUntil: row.lease_until };
            }
            this.#take.run(now + ttlMs, checked.subject, checked.resource);
            return {
                acquired: true,
                lease: this.#lease(checked, row.fence + 1, row.version, now + ttlMs, tokens, write),
            };
        });
        return take.immediate();
    }
    #lease(key, fence, version, expiresAt, tokens, write) {
        const compareAndSet = (next) => this.#db
            .transaction(() => {
            const row = this.#read.get(key.subject, key.resource);
            // Fencing: only the newest holder, and only over the version it read.
            if (row?.fence !== fence || row.version !== version)
                return false;
            write(key, next);
            return true;
        })
            .immediate();
        return {
            key,
            fence,
            expiresAt,
            tokens,
            version,
            commit: async (next) => compareAndSet(checkTokenSet(next)),
            discard: async () => compareAndSet(undefined),
            renew: async (ttlMs) => this.#renew.run(Date.now() + checkTtl(ttlMs), key.subject, key.resource, fence).changes === 1,
            release: async () => {
                this.#release.run(key.subject, key.resource, fence);
            },
        };
    }
}
/**
 * A {@link LeaseStore} in SQLite: named leases shared by every process that opens the file.
 * Obtain one from {@link openSqliteStores} (`leases`).
 */
export class SqliteLeaseStore {
    #db;
    constructor(db) {
        this.#db = db;
    }
    async acquire(name, ttlMs) {
        checkTtl(ttlMs);
        const db = this.#db;
        const take = db.transaction(() => {
            const now = Date.now();
            const row = db
                .prepare("SELECT fence, expires_at FROM authbus_leases WHERE name = ?")
                .get(name);
            if (row && row.expires_at > now)
                return undefined;
            const fence = (row?.fence ?? 0) + 1;
            db.prepare(`INSERT INTO authbus_leases (name, fence, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET fence = excluded.fence, expires_at = excluded.expires_at`).run(name, fence, now + ttlMs);
            return { fence, expiresAt: now + ttlMs };
        });
        const taken = take.immediate();
        if (!taken)
            return undefined;
        let expiresAt = taken.expiresAt;
        return {
            name,
            fence: taken.fence,
            get expiresAt() {
                return expiresAt;
            },
            async renew(next) {
                const until = Date.now() + checkTtl(next);
                const changed = db
                    .prepare("UPDATE authbus_leases SET expires_at = ? WHERE name = ? AND fence = ?")
                    .run(until, name, taken.fence).changes;
                if (changed === 1)
                    expiresAt = until;
                return changed === 1;
            },
            async release() {
                db.prepare("UPDATE authbus_leases SET expires_at = 0 WHERE name = ? AND fence = ?").run(name, taken.fence);
            },
        };
    }
}
