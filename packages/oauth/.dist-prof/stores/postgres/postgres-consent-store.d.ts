/** @module A ConsentStore in Postgres: the same sealed secrets as SQLite; `settle` is one atomic UPDATE. */
import { type ConsentRecord, type ConsentStatus, type ConsentStore, type Lease } from "@authbus/core";
import type pg from "pg";
import type { SecretBox } from "../sqlite/secret-box.js";
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
export declare class PostgresConsentStore implements ConsentStore {
    #private;
    constructor(pool: pg.Pool, box: SecretBox);
    /**
     * Claims a consent's code exchange for one worker at a time (a named lease, see
     * `ConsentStore.claimCompletion` in `@authbus/core`).
     */
    claimCompletion(consentId: string, ttlMs: number): Promise<Lease | undefined>;
    /** @throws {DuplicateConsentError | StoreUnavailableError} */
    create(record: ConsentRecord): Promise<void>;
    get(consentId: string): Promise<ConsentRecord | undefined>;
    findByState(state: string): Promise<ConsentRecord | undefined>;
    findPending(subject: string, resource: string): Promise<ConsentRecord[]>;
    settle(consentId: string, status: Exclude<ConsentStatus, "pending">): Promise<boolean>;
}
