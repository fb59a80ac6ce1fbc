/** @module A ConsentStore in Postgres: the same sealed secrets as SQLite; `settle` is one atomic UPDATE. */
import {
  AuthbusError,
  type ConsentRecord,
  type ConsentStatus,
  type ConsentStore,
  checkTokenKey,
  type Lease,
} from "@authbus/core";
import type pg from "pg";
import { type ConsentRow, openConsentRow, sealConsentRecord } from "../sealed-consent-record.js";
import type { SecretBox } from "../sqlite/secret-box.js";
import { PostgresLeaseStore } from "./postgres-lease-store.js";
import { runQuery } from "./postgres-query.js";

const COLUMNS = "consent_id, status, record, sealed";

/**
 * A durable {@link ConsentStore} shared by every worker. Obtain one from {@link openPostgresStores}.
 * `settle` is a single `UPDATE … WHERE status = 'pending'`: of two callbacks for one consent,
 * on any workers, exactly one settles it; `claimCompletion` makes sure only one of them sends the
 * authorization code at all.
 *
 * @example
 * const { consents } = await openPostgresStores({ connectionString });
 * await consents.settle(consentId, "denied"); // true once, false after
 */
export class PostgresConsentStore implements ConsentStore {
  readonly #pool: pg.Pool;
  readonly #box: SecretBox;
  readonly #claims: PostgresLeaseStore;

  constructor(pool: pg.Pool, box: SecretBox) {
    this.#pool = pool;
    this.#box = box;
    this.#claims = new PostgresLeaseStore(pool);
  }

  /**
   * Claims a consent's code exchange for one worker at a time, only while it is pending (a
   * named lease taken in one statement with the consent row locked, see
   * `ConsentStore.claimCompletion` in `@authbus/core`).
   */
  claimCompletion(consentId: string, ttlMs: number): Promise<Lease | undefined> {
    return this.#claims.acquireForPendingConsent(`completion:${consentId}`, ttlMs, consentId);
  }

  /** @throws {AuthbusError} `DUPLICATE_CONSENT`, or `STORE_UNAVAILABLE` (a `StoreUnavailableError`). */
  async create(record: ConsentRecord): Promise<void> {
    const { stored, stateLookup, record: json, sealed } = sealConsentRecord(this.#box, record);
    try {
      await runQuery(
        this.#pool,
        "create a consent",
        `INSERT INTO authbus_consents
         (consent_id, state_lookup, subject, resource, status, created_at, expires_at, record, sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          stored.consentId,
          stateLookup,
          stored.subject,
          stored.resource,
          stored.status,
          stored.createdAt,
          stored.expiresAt,
          json,
          sealed,
        ],
      );
    } catch (error) {
      // 23505 unique_violation: the id or the state is taken (the driver's detail quotes the key: not kept).
      if ((error as { code?: unknown }).code === "23505") {
        throw new AuthbusError({
          code: "DUPLICATE_CONSENT",
          message: `a consent with id ${stored.consentId} or the same state already exists`,
        });
      }
      throw error;
    }
  }

  async get(consentId: string): Promise<ConsentRecord | undefined> {
    const { rows } = await runQuery<ConsentRow>(
      this.#pool,
      "read a consent",
      `SELECT ${COLUMNS} FROM authbus_consents WHERE consent_id = $1`,
      [consentId],
    );
    return rows[0] ? this.#read(rows[0]) : undefined;
  }

  async findByState(state: string): Promise<ConsentRecord | undefined> {
    const { rows } = await runQuery<ConsentRow>(
      this.#pool,
      "find a consent",
      `SELECT ${COLUMNS} FROM authbus_consents WHERE state_lookup = $1`,
      [this.#box.lookup(state)],
    );
    if (!rows[0]) return undefined;
    const record = this.#read(rows[0]);
    return record.state === state ? record : undefined;
  }

  async findPending(subject: string, resource: string): Promise<ConsentRecord[]> {
    const key = checkTokenKey({ subject, resource });
    const { rows } = await runQuery<ConsentRow>(
      this.#pool,
      "list pending consents",
      `SELECT ${COLUMNS} FROM authbus_consents
       WHERE subject = $1 AND resource = $2 AND status = 'pending' ORDER BY created_at, seq`,
      [key.subject, key.resource],
    );
    return rows.map((row) => this.#read(row));
  }

  async settle(consentId: string, status: Exclude<ConsentStatus, "pending">): Promise<boolean> {
    const result = await runQuery(
      this.#pool,
      "settle a consent",
      "UPDATE authbus_consents SET status = $1 WHERE consent_id = $2 AND status = 'pending'",
      [status, consentId],
    );
    return result.rowCount === 1;
  }

  #read(row: ConsentRow): ConsentRecord {
    return openConsentRow(this.#box, row);
  }
}
