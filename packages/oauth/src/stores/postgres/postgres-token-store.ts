/** @module A TokenStore in Postgres: sealed token sets, and one refresh per key across every worker (lease row, fence, version). */
import {
  checkTokenKey,
  checkTokenSet,
  type RefreshLease,
  type RefreshLeaseAttempt,
  type TokenKey,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import type pg from "pg";
import type { SecretBox } from "../sqlite/secret-box.js";
import { readStored } from "../sqlite/stored-value.js";
import { inTransaction, NOW_MS, type Queryable, runQuery } from "./postgres-query.js";

const aadOf = (key: TokenKey): string => `authbus_tokens\u0000${JSON.stringify([key.subject, key.resource])}`;

interface LeaseRow {
  version: string;
  fence: string;
  lease_until: string;
  now: string;
}

function checkTtl(ttlMs: number): number {
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
export class PostgresTokenStore implements TokenStore {
  readonly #pool: pg.Pool;
  readonly #box: SecretBox;

  constructor(pool: pg.Pool, box: SecretBox) {
    this.#pool = pool;
    this.#box = box;
  }

  /** @throws {StoreUnavailableError | StoreCorruptError} */
  async get(key: TokenKey): Promise<TokenSet | undefined> {
    return this.#read(this.#pool, checkTokenKey(key));
  }

  /** @throws {AuthbusError} `INVALID_TOKEN_SET`, or `STORE_UNAVAILABLE` (a `StoreUnavailableError`). */
  async set(key: TokenKey, tokens: TokenSet): Promise<void> {
    const checked = checkTokenKey(key);
    const stored = checkTokenSet(tokens);
    await inTransaction(this.#pool, "store tokens", (client) => this.#write(client, checked, stored));
  }

  /** @throws {StoreUnavailableError} */
  async delete(key: TokenKey): Promise<void> {
    const checked = checkTokenKey(key);
    await inTransaction(this.#pool, "delete tokens", (client) => this.#write(client, checked, undefined));
  }

  /**
   * One refresh per key across every worker: see `RefreshLeases` in `@authbus/core`.
   *
   * @throws {StoreUnavailableError | StoreCorruptError}
   */
  async acquireRefreshLease(key: TokenKey, ttlMs: number): Promise<RefreshLeaseAttempt> {
    checkTtl(ttlMs);
    const checked = checkTokenKey(key);
    // A waiter asks often: while the lease is held, one plain read answers it (the lease row and
    // the tokens in one snapshot, so the version and the tokens agree); no lock, no transaction.
    const peeked = await this.#peek(checked);
    if (peeked) return peeked;
    const taken = await inTransaction(this.#pool, "acquire a refresh lease", async (client) => {
      const row = await this.#lockLease(client, checked);
      const tokens = await this.#read(client, checked);
      const now = Number(row.now);
      if (Number(row.lease_until) > now) {
        return {
          acquired: false as const,
          tokens,
          version: Number(row.version),
          heldUntil: Number(row.lease_until),
        };
      }
      await runQuery(
        client,
        "acquire a refresh lease",
        `UPDATE authbus_token_leases SET fence = fence + 1, lease_until = $3
         WHERE subject = $1 AND resource = $2`,
        [checked.subject, checked.resource, now + ttlMs],
      );
      return {
        acquired: true as const,
        fence: Number(row.fence) + 1,
        version: Number(row.version),
        expiresAt: now + ttlMs,
        tokens,
      };
    });
    if (!taken.acquired) return taken;
    return { acquired: true, lease: this.#lease(checked, taken) };
  }

  #lease(
    key: TokenKey,
    taken: { fence: number; version: number; expiresAt: number; tokens: TokenSet | undefined },
  ): RefreshLease {
    const { fence, version } = taken;
    const compareAndSet = (next: TokenSet | undefined): Promise<boolean> =>
      inTransaction(this.#pool, "commit a refresh", async (client) => {
        const row = await this.#lockLease(client, key);
        // Fencing: only the newest holder, and only over the version it read.
        if (Number(row.fence) !== fence || Number(row.version) !== version) return false;
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
        const result = await runQuery(
          this.#pool,
          "renew a refresh lease",
          `UPDATE authbus_token_leases SET lease_until = ${NOW_MS} + $4
           WHERE subject = $1 AND resource = $2 AND fence = $3`,
          [key.subject, key.resource, fence, ttlMs],
        );
        return result.rowCount === 1;
      },
      release: async () => {
        await runQuery(
          this.#pool,
          "release a refresh lease",
          "UPDATE authbus_token_leases SET lease_until = 0 WHERE subject = $1 AND resource = $2 AND fence = $3",
          [key.subject, key.resource, fence],
        );
      },
    };
  }

  /** What is stored while another holder's lease runs; `undefined` when it may be free (or has no row yet). */
  async #peek(checked: TokenKey): Promise<RefreshLeaseAttempt | undefined> {
    const { rows } = await runQuery<LeaseRow & { sealed: Buffer | null }>(
      this.#pool,
      "read a refresh lease",
      `SELECT l.version, l.fence, l.lease_until, ${NOW_MS} AS now, t.sealed
       FROM authbus_token_leases l
       LEFT JOIN authbus_tokens t ON t.subject = l.subject AND t.resource = l.resource
       WHERE l.subject = $1 AND l.resource = $2`,
      [checked.subject, checked.resource],
    );
    const row = rows[0];
    if (!row || Number(row.lease_until) <= Number(row.now)) return undefined;
    return {
      acquired: false,
      tokens: row.sealed ? this.#open(checked, row.sealed) : undefined,
      version: Number(row.version),
      heldUntil: Number(row.lease_until),
    };
  }

  /** The key's lease row, created if missing, locked until the transaction ends. */
  async #lockLease(client: pg.PoolClient, key: TokenKey): Promise<LeaseRow> {
    await runQuery(
      client,
      "lock a refresh lease",
      `INSERT INTO authbus_token_leases (subject, resource) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [key.subject, key.resource],
    );
    const result = await runQuery<LeaseRow>(
      client,
      "lock a refresh lease",
      `SELECT version, fence, lease_until, ${NOW_MS} AS now FROM authbus_token_leases
       WHERE subject = $1 AND resource = $2 FOR UPDATE`,
      [key.subject, key.resource],
    );
    const row = result.rows[0];
    if (!row) throw new Error("the refresh lease row vanished inside its transaction");
    return row;
  }

  async #read(db: Queryable, checked: TokenKey): Promise<TokenSet | undefined> {
    const result = await runQuery<{ sealed: Buffer }>(
      db,
      "read tokens",
      "SELECT sealed FROM authbus_tokens WHERE subject = $1 AND resource = $2",
      [checked.subject, checked.resource],
    );
    const row = result.rows[0];
    return row ? this.#open(checked, row.sealed) : undefined;
  }

  #open(checked: TokenKey, sealed: Buffer): TokenSet {
    const aad = aadOf(checked);
    // A tampered or corrupt row is a StoreCorruptError, never a crypto error or a SyntaxError.
    return readStored(
      "authbus_tokens",
      aad.slice(aad.indexOf("\u0000") + 1),
      this.#box.open(sealed, aad),
      checkTokenSet,
    );
  }

  /** Stores or deletes, moving the key's version on (inside the caller's transaction). */
  async #write(client: pg.PoolClient, checked: TokenKey, tokens: TokenSet | undefined): Promise<void> {
    const { subject, resource } = checked;
    // The lease row first, as every lease step locks it first: no lock-order deadlock.
    await runQuery(
      client,
      "store tokens",
      `INSERT INTO authbus_token_leases (subject, resource, version) VALUES ($1, $2, 1)
       ON CONFLICT (subject, resource) DO UPDATE SET version = authbus_token_leases.version + 1`,
      [subject, resource],
    );
    if (tokens === undefined) {
      await runQuery(
        client,
        "delete tokens",
        "DELETE FROM authbus_tokens WHERE subject = $1 AND resource = $2",
        [subject, resource],
      );
    } else {
      const sealed = this.#box.seal(JSON.stringify(tokens), aadOf(checked));
      await runQuery(
        client,
        "store tokens",
        `INSERT INTO authbus_tokens (subject, resource, sealed, updated_at) VALUES ($1, $2, $3, ${NOW_MS})
         ON CONFLICT (subject, resource) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [subject, resource, sealed],
      );
    }
  }
}
