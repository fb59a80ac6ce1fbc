/** @module A ClientRegistrationStore in Postgres: client secrets sealed, bound to (issuer, redirect URI). */
import type pg from "pg";
import { type ClientRegistration, type ClientRegistrationStore } from "../../client/client-registration-store.js";
import type { SecretBox } from "../sqlite/secret-box.js";
/**
 * A durable {@link ClientRegistrationStore} shared by every worker: a dynamic registration
 * happens once per authorization server for the whole deployment. Obtain one from
 * {@link openPostgresStores}.
 */
export declare class PostgresClientRegistrationStore implements ClientRegistrationStore {
    #private;
    constructor(pool: pg.Pool, box: SecretBox);
    get(issuer: string, redirectUri: string): Promise<ClientRegistration | undefined>;
    set(registration: ClientRegistration): Promise<void>;
    delete(issuer: string, redirectUri: string): Promise<void>;
}
