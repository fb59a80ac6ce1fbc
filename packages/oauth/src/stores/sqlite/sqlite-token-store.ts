/** @module A TokenStore in SQLite: the whole token set sealed with AES-256-GCM, bound to its (subject, resource). */
import {
  checkTokenKey,
  checkTokenSet,
  type RefreshLeaseAttempt,
  type TokenKey,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import type Database from "better-sqlite3";
import type { SecretBox } from "./secret-box.js";
import { SqliteRefreshLeases } from "./sqlite-leases.js";
import { readStored } from "./stored-value.js";

const aadOf = (key: TokenKey): string => `authbus_tokens\u0000${JSON.stringify([key.subject, key.resource])}`;

/**
 * A durable {@link TokenStore}. Obtain one from {@link openSqliteStores}. better-sqlite3 is
 * synchronous; the methods are async to keep the store interface.
 *
 * @example
 * const { tokens } = openSqliteStores({ path: "authbus.db" });
 * await tokens.get({ subject: "alice", resource: "https://files.example.com/mcp" });
 */
export class SqliteTokenStore implements TokenStore {
  readonly #box: SecretBox;
  readonly #select: Database.Statement<[string, string], { sealed: Buffer }>;
  readonly #upsert: Database.Statement<[string, string, Buffer, number]>;
  readonly #delete: Database.Statement<[string, string]>;
  readonly #db: Database.Database;
  readonly #leases: SqliteRefreshLeases;

  constructor(db: Database.Database, box: SecretBox) {
    this.#box = box;
    this.#db = db;
    this.#leases = new SqliteRefreshLeases(db);
    this.#select = db.prepare("SELECT sealed FROM authbus_tokens WHERE subject = ? AND resource = ?");
    this.#upsert = db.prepare(
      `INSERT INTO authbus_tokens (subject, resource, sealed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (subject, resource) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare("DELETE FROM authbus_tokens WHERE subject = ? AND resource = ?");
  }

  async get(key: TokenKey): Promise<TokenSet | undefined> {
    return this.#read(checkTokenKey(key));
  }

  /** @throws {AuthbusError} `INVALID_TOKEN_SET` when `tokens` is not a valid token set. */
  async set(key: TokenKey, tokens: TokenSet): Promise<void> {
    const checked = checkTokenKey(key);
    const stored = checkTokenSet(tokens);
    this.#db.transaction(() => this.#write(checked, stored)).immediate();
  }

  async delete(key: TokenKey): Promise<void> {
    const checked = checkTokenKey(key);
    this.#db.transaction(() => this.#write(checked, undefined)).immediate();
  }

  /**
   * One refresh per key across every process sharing the file (see `RefreshLeases` in
   * `@authbus/core`): a lease row with an expiry and a fence, a version moved on by every write,
   * each step one `BEGIN IMMEDIATE` transaction.
   */
  async acquireRefreshLease(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt> {
    return this.#leases.acquire(
      key,
      ttlMs,
      (checked) => this.#read(checked),
      (checked, tokens) => this.#write(checked, tokens),
    );
  }

  #read(checked: TokenKey): TokenSet | undefined {
    const row = this.#select.get(checked.subject, checked.resource);
    if (!row) return undefined;
    const aad = aadOf(checked);
    // A tampered or corrupt row is a StoreCorruptError, never a crypto error or a SyntaxError.
    return readStored(
      "authbus_tokens",
      aad.slice(aad.indexOf("\u0000") + 1),
      this.#box.open(row.sealed, aad),
      checkTokenSet,
    );
  }

  /** Stores or deletes, moving the key's version on (inside the caller's transaction). */
  #write(checked: TokenKey, tokens: TokenSet | undefined): void {
    if (tokens === undefined) {
      this.#delete.run(checked.subject, checked.resource);
    } else {
      const sealed = this.#box.seal(JSON.stringify(tokens), aadOf(checked));
      this.#upsert.run(checked.subject, checked.resource, sealed, Date.now());
    }
    this.#leases.bumpVersion(checked);
  }
}
