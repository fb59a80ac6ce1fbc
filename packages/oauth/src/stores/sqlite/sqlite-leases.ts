/**
 * @module Leases in SQLite, for every process that shares the file: a refresh lease per
 * (subject, resource) with a version and a fence beside the tokens, and named leases.
 */
import {
  checkTokenKey,
  checkTokenSet,
  type Lease,
  type LeaseStore,
  type RefreshLease,
  type RefreshLeaseAttempt,
  type TokenKey,
  type TokenSet,
} from "@authbus/core";
import type Database from "better-sqlite3";

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

interface LeaseRow {
  version: number;
  fence: number;
  lease_until: number;
}

function checkTtl(ttlMs: number): number {
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
  readonly #db: Database.Database;
  readonly #read: Database.Statement<[string, string], LeaseRow>;
  readonly #bump: Database.Statement<[string, string]>;
  readonly #take: Database.Statement<[number, string, string]>;
  readonly #renew: Database.Statement<[number, string, string, number]>;
  readonly #release: Database.Statement<[string, string, number]>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#read = db.prepare(
      "SELECT version, fence, lease_until FROM authbus_token_leases WHERE subject = ? AND resource = ?",
    );
    this.#bump = db.prepare(
      `INSERT INTO authbus_token_leases (subject, resource, version) VALUES (?, ?, 1)
       ON CONFLICT (subject, resource) DO UPDATE SET version = version + 1`,
    );
    this.#take = db.prepare(
      `UPDATE authbus_token_leases SET fence = fence + 1, lease_until = ? WHERE subject = ? AND resource = ?`,
    );
    this.#renew = db.prepare(
      "UPDATE authbus_token_leases SET lease_until = ? WHERE subject = ? AND resource = ? AND fence = ?",
    );
    this.#release = db.prepare(
      "UPDATE authbus_token_leases SET lease_until = 0 WHERE subject = ? AND resource = ? AND fence = ?",
    );
  }

  /** Moves the key's version on; call inside the transaction that writes the tokens. */
  bumpVersion(key: TokenKey): void {
    this.#bump.run(key.subject, key.resource);
  }

  /**
   * @param read reads the stored tokens (inside the same transaction).
   * @param write stores or deletes (`undefined`) the tokens, moving the version on.
   */
  acquire(
    key: TokenKey,
    ttlMs: number,
    read: (key: TokenKey) => TokenSet | undefined,
    write: (key: TokenKey, tokens: TokenSet | undefined) => void,
  ): RefreshLeaseAttempt {
    checkTtl(ttlMs);
    const checked = checkTokenKey(key);
    const take = this.#db.transaction((): RefreshLeaseAttempt => {
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

  #lease(
    key: TokenKey,
    fence: number,
    version: number,
    expiresAt: number,
    tokens: TokenSet | undefined,
    write: (key: TokenKey, tokens: TokenSet | undefined) => void,
  ): RefreshLease {
    const compareAndSet = (next: TokenSet | undefined): boolean =>
      this.#db
        .transaction((): boolean => {
          const row = this.#read.get(key.subject, key.resource);
          // Fencing: only the newest holder, and only over the version it read.
          if (row?.fence !== fence || row.version !== version) return false;
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
      renew: async (ttlMs) =>
        this.#renew.run(Date.now() + checkTtl(ttlMs), key.subject, key.resource, fence).changes === 1,
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
export class SqliteLeaseStore implements LeaseStore {
  readonly #db: Database.Database;
  readonly #read: Database.Statement<[string], { fence: number; expires_at: number }>;
  readonly #take: Database.Statement<[string, number, number]>;
  readonly #renew: Database.Statement<[number, string, number]>;
  readonly #release: Database.Statement<[string, number]>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#read = db.prepare("SELECT fence, expires_at FROM authbus_leases WHERE name = ?");
    this.#take = db.prepare(
      `INSERT INTO authbus_leases (name, fence, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET fence = excluded.fence, expires_at = excluded.expires_at`,
    );
    this.#renew = db.prepare("UPDATE authbus_leases SET expires_at = ? WHERE name = ? AND fence = ?");
    this.#release = db.prepare("UPDATE authbus_leases SET expires_at = 0 WHERE name = ? AND fence = ?");
  }

  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    return this.acquireIf(name, ttlMs, () => true);
  }

  /**
   * {@link acquire}, taken only when `condition` (run inside the same `BEGIN IMMEDIATE`
   * transaction, so no other process writes in between) holds.
   */
  async acquireIf(name: string, ttlMs: number, condition: () => boolean): Promise<Lease | undefined> {
    checkTtl(ttlMs);
    const take = this.#db.transaction((): { fence: number; expiresAt: number } | undefined => {
      if (!condition()) return undefined;
      const now = Date.now();
      const row = this.#read.get(name);
      if (row && row.expires_at > now) return undefined;
      const fence = (row?.fence ?? 0) + 1;
      this.#take.run(name, fence, now + ttlMs);
      return { fence, expiresAt: now + ttlMs };
    });
    const taken = take.immediate();
    return taken ? this.#lease(name, taken.fence, taken.expiresAt) : undefined;
  }

  #lease(name: string, fence: number, takenUntil: number): Lease {
    const renew = this.#renew;
    const release = this.#release;
    let expiresAt = takenUntil;
    return {
      name,
      fence,
      get expiresAt() {
        return expiresAt;
      },
      async renew(next) {
        const until = Date.now() + checkTtl(next);
        const changed = renew.run(until, name, fence).changes;
        if (changed === 1) expiresAt = until;
        return changed === 1;
      },
      async release() {
        release.run(name, fence);
      },
    };
  }
}
