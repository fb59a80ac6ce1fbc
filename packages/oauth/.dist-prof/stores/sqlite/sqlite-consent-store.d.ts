/** @module A ConsentStore in SQLite: `state`, verifier, URL, DPoP key, `auth_req_id` and `device_code` sealed; `settle` is one atomic UPDATE. */
import { type ConsentRecord, type ConsentStatus, type ConsentStore } from "@authbus/core";
import type Database from "better-sqlite3";
import type { SecretBox } from "./secret-box.js";
/**
 * A durable {@link ConsentStore}. Obtain one from {@link openSqliteStores}.
 *
 * @example
 * const { consents } = openSqliteStores({ path: "authbus.db" });
 * await consents.settle(consentId, "denied"); // true once, false after
 */
export declare class SqliteConsentStore implements ConsentStore {
    #private;
    constructor(db: Database.Database, box: SecretBox);
    /** @throws {DuplicateConsentError} when the id or the state is already stored. */
    create(record: ConsentRecord): Promise<void>;
    get(consentId: string): Promise<ConsentRecord | undefined>;
    findByState(state: string): Promise<ConsentRecord | undefined>;
    findPending(subject: string, resource: string): Promise<ConsentRecord[]>;
    settle(consentId: string, status: Exclude<ConsentStatus, "pending">): Promise<boolean>;
}
