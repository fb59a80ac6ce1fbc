/** @module A ConsentStore in SQLite: `state`, verifier, URL, DPoP key, `auth_req_id` and `device_code` sealed; `settle` is one atomic UPDATE. */
import {
  AuthbusError,
  type ConsentRecord,
  type ConsentStatus,
  type ConsentStore,
  checkTokenKey,
  type Lease,
} from "@authbus/core";
import type Database from "better-sqlite3";
import { type ConsentRow, openConsentRow, sealConsentRecord } from "../sealed-consent-record.js";
import type { SecretBox } from "./secret-box.js";
import { SqliteLeaseStore } from "./sqlite-leases.js";

/**
 * A durable {@link ConsentStore}, shared by every process that opens the file. Obtain one from
 * {@link openSqliteStores}. `settle` is a single `UPDATE … WHERE status = 'pending'`: of two
 * callbacks for one consent, in any processes, exactly one settles it; `claimCompletion` makes
 * sure only one of them sends the authorization code at all.
 *
 * @example
 * const { consents } = openSqliteStores({ path: "authbus.db" });
 * await consents.settle(consentId, "denied"); // true once, false after
 */
export class SqliteConsentStore implements ConsentStore {
  readonly #box: SecretBox;
  readonly #insert: Database.Statement<
    [string, string, string, string, string, number, number, string, Buffer]
  >;
  readonly #byId: Database.Statement<[string], ConsentRow>;
  readonly #byState: Database.Statement<[string], ConsentRow>;
  readonly #pending: Database.Statement<[string, string], ConsentRow>;
  readonly #settle: Database.Statement<[string, string]>;
  readonly #isPending: Database.Statement<[string], { pending: number }>;
  readonly #claims: SqliteLeaseStore;

  constructor(db: Database.Database, box: SecretBox) {
    this.#box = box;
    this.#claims = new SqliteLeaseStore(db);
    const columns = "consent_id, status, record, sealed";
    this.#insert = db.prepare(
      `INSERT INTO authbus_consents
       (consent_id, state_lookup, subject, resource, status, created_at, expires_at, record, sealed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byId = db.prepare(`SELECT ${columns} FROM authbus_consents WHERE consent_id = ?`);
    this.#byState = db.prepare(`SELECT ${columns} FROM authbus_consents WHERE state_lookup = ?`);
    this.#pending = db.prepare(
      `SELECT ${columns} FROM authbus_consents
       WHERE subject = ? AND resource = ? AND status = 'pending' ORDER BY created_at, rowid`,
    );
    // Atomic and once: only a pending consent moves.
    this.#settle = db.prepare(
      "UPDATE authbus_consents SET status = ? WHERE consent_id = ? AND status = 'pending'",
    );
    this.#isPending = db.prepare(
      "SELECT 1 AS pending FROM authbus_consents WHERE consent_id = ? AND status = 'pending'",
    );
  }

  /**
   * Claims a consent's code exchange for one process at a time: a named lease row (fenced, with
   * an expiry) taken in a `BEGIN IMMEDIATE` transaction, and only while the consent is pending
   * (checked in that transaction), so SQLite's writer lock makes it atomic across processes
   * sharing the file. Only its holder renews or releases it; a holder that dies lets it expire.
   * See `ConsentStore.claimCompletion` in `@authbus/core`.
   */
  claimCompletion(consentId: string, ttlMs: number): Promise<Lease | undefined> {
    return this.#claims.acquireIf(
      `completion:${consentId}`,
      ttlMs,
      () => this.#isPending.get(consentId) !== undefined,
    );
  }

  /** @throws {AuthbusError} `DUPLICATE_CONSENT` when the id or the state is already stored. */
  async create(record: ConsentRecord): Promise<void> {
    const { stored, stateLookup, record: json, sealed } = sealConsentRecord(this.#box, record);
    try {
      this.#insert.run(
        stored.consentId,
        stateLookup,
        stored.subject,
        stored.resource,
        stored.status,
        stored.createdAt,
        stored.expiresAt,
        json,
        sealed,
      );
    } catch (error) {
      if ((error as { code?: unknown }).code?.toString().startsWith("SQLITE_CONSTRAINT")) {
        throw new AuthbusError({
          code: "DUPLICATE_CONSENT",
          message: `a consent with id ${stored.consentId} or the same state already exists`,
        });
      }
      throw error;
    }
  }

  async get(consentId: string): Promise<ConsentRecord | undefined> {
    const row = this.#byId.get(consentId);
    return row ? this.#read(row) : undefined;
  }

  async findByState(state: string): Promise<ConsentRecord | undefined> {
    const row = this.#byState.get(this.#box.lookup(state));
    if (!row) return undefined;
    const record = this.#read(row);
    return record.state === state ? record : undefined;
  }

  async findPending(subject: string, resource: string): Promise<ConsentRecord[]> {
    const key = checkTokenKey({ subject, resource });
    return this.#pending.all(key.subject, key.resource).map((row) => this.#read(row));
  }

  async settle(consentId: string, status: Exclude<ConsentStatus, "pending">): Promise<boolean> {
    return this.#settle.run(status, consentId).changes === 1;
  }

  #read(row: ConsentRow): ConsentRecord {
    return openConsentRow(this.#box, row);
  }
}
