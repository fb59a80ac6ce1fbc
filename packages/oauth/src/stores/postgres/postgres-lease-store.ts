/** @module Named leases in Postgres, shared by every worker, timed on the database's clock. */
import type { Lease, LeaseStore } from "@authbus/core";
import type pg from "pg";
import { NOW_MS, runQuery } from "./postgres-query.js";

function checkTtl(ttlMs: number): number {
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
export class PostgresLeaseStore implements LeaseStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** @throws {StoreUnavailableError} when the database cannot be reached. */
  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    return this.#take(name, ttlMs, `VALUES ($1, 1, ${NOW_MS} + $2)`, [name, ttlMs]);
  }

  /**
   * {@link acquire}, taken only while the consent `consentId` is pending: in the same statement,
   * with the consent row locked (`FOR SHARE` rechecks its newest version, so a settle committed
   * while the statement runs is seen).
   *
   * @throws {StoreUnavailableError} when the database cannot be reached.
   */
  async acquireForPendingConsent(name: string, ttlMs: number, consentId: string): Promise<Lease | undefined> {
    return this.#take(
      name,
      ttlMs,
      `SELECT $1, 1, ${NOW_MS} + $2 FROM authbus_consents
       WHERE consent_id = $3 AND status = 'pending' FOR SHARE`,
      [name, ttlMs, consentId],
    );
  }

  async #take(name: string, ttlMs: number, source: string, params: unknown[]): Promise<Lease | undefined> {
    checkTtl(ttlMs);
    const pool = this.#pool;
    const { rows } = await runQuery<{ fence: string; expires_at: string }>(
      pool,
      "acquire a lease",
      `INSERT INTO authbus_leases (name, fence, expires_at) ${source}
       ON CONFLICT (name) DO UPDATE SET fence = authbus_leases.fence + 1, expires_at = excluded.expires_at
       WHERE authbus_leases.expires_at <= ${NOW_MS}
       RETURNING fence, expires_at`,
      params,
    );
    const row = rows[0];
    if (!row) return undefined;
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
        const result = await runQuery<{ expires_at: string }>(
          pool,
          "renew a lease",
          `UPDATE authbus_leases SET expires_at = ${NOW_MS} + $3 WHERE name = $1 AND fence = $2 RETURNING expires_at`,
          [name, fence, next],
        );
        const renewed = result.rows[0];
        if (renewed) expiresAt = Number(renewed.expires_at);
        return renewed !== undefined;
      },
      async release() {
        await runQuery(
          pool,
          "release a lease",
          "UPDATE authbus_leases SET expires_at = 0 WHERE name = $1 AND fence = $2",
          [name, fence],
        );
      },
    };
  }
}
