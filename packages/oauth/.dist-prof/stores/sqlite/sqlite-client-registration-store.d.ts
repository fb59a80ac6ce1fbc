/** @module A ClientRegistrationStore in SQLite: client secrets sealed, bound to (issuer, redirect URI). */
import type Database from "better-sqlite3";
import { type ClientRegistration, type ClientRegistrationStore } from "../../client/client-registration-store.js";
import type { SecretBox } from "./secret-box.js";
/**
 * A durable {@link ClientRegistrationStore}: a dynamic registration survives restarts, so it
 * happens once per authorization server. Obtain one from {@link openSqliteStores}.
 *
 * @example
 * const { registrations } = openSqliteStores({ path: "authbus.db" });
 * await registrations.get("https://auth.example.com", "http://127.0.0.1:3000/callback");
 */
export declare class SqliteClientRegistrationStore implements ClientRegistrationStore {
    #private;
    constructor(db: Database.Database, box: SecretBox);
    get(issuer: string, redirectUri: string): Promise<ClientRegistration | undefined>;
    set(registration: ClientRegistration): Promise<void>;
    delete(issuer: string, redirectUri: string): Promise<void>;
}
