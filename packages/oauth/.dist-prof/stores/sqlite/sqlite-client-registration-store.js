import { clientRegistrationSchema, } from "../../client/client-registration-store.js";
import { asObject, readStored } from "./stored-value.js";
const aadOf = (issuer, redirectUri) => `authbus_client_registrations\u0000${JSON.stringify([issuer, redirectUri])}`;
/**
 * A durable {@link ClientRegistrationStore}: a dynamic registration survives restarts, so it
 * happens once per authorization server. Obtain one from {@link openSqliteStores}.
 *
 * @example
 * const { registrations } = openSqliteStores({ path: "authbus.db" });
 * await registrations.get("https://auth.example.com", "http://127.0.0.1:3000/callback");
 */
export class SqliteClientRegistrationStore {
    #box;
    #select;
    #upsert;
    #delete;
    constructor(db, box) {
        this.#box = box;
        this.#select = db.prepare("SELECT record, sealed FROM authbus_client_registrations WHERE issuer = ? AND redirect_uri = ?");
        this.#upsert = db.prepare(`INSERT INTO authbus_client_registrations (issuer, redirect_uri, record, sealed) VALUES (?, ?, ?, ?)
       ON CONFLICT (issuer, redirect_uri) DO UPDATE SET record = excluded.record, sealed = excluded.sealed`);
        this.#delete = db.prepare("DELETE FROM authbus_client_registrations WHERE issuer = ? AND redirect_uri = ?");
    }
    async get(issuer, redirectUri) {
        const row = this.#select.get(issuer, redirectUri);
        if (!row)
            return undefined;
        // A tampered or corrupt row is a StoreCorruptError, never a crypto error or a SyntaxError.
        const where = JSON.stringify([issuer, redirectUri]);
        const clientSecret = row.sealed ? this.#box.open(row.sealed, aadOf(issuer, redirectUri)) : undefined;
        return readStored("authbus_client_registrations", where, row.record, (value) => clientRegistrationSchema.parse(clientSecret === undefined ? value : { ...asObject(value), clientSecret }));
    }
    async set(registration) {
        const { clientSecret, ...rest } = clientRegistrationSchema.parse(registration);
        const aad = aadOf(rest.issuer, rest.redirectUri);
        const sealed = clientSecret === undefined ? null : this.#box.seal(clientSecret, aad);
        this.#upsert.run(rest.issuer, rest.redirectUri, JSON.stringify(rest), sealed);
    }
    async delete(issuer, redirectUri) {
        this.#delete.run(issuer, redirectUri);
    }
}
