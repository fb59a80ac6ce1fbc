import { clientRegistrationSchema, } from "../../client/client-registration-store.js";
import { asObject, readStored } from "../sqlite/stored-value.js";
import { runQuery } from "./postgres-query.js";
const aadOf = (issuer, redirectUri) => `authbus_client_registrations\u0000${JSON.stringify([issuer, redirectUri])}`;
/**
 * A durable {@link ClientRegistrationStore} shared by every worker: a dynamic registration
 * happens once per authorization server for the whole deployment. Obtain one from
 * {@link openPostgresStores}.
 */
export class PostgresClientRegistrationStore {
    #pool;
    #box;
    constructor(pool, box) {
        this.#pool = pool;
        this.#box = box;
    }
    async get(issuer, redirectUri) {
        const { rows } = await runQuery(this.#pool, "read a client registration", "SELECT record, sealed FROM authbus_client_registrations WHERE issuer = $1 AND redirect_uri = $2", [issuer, redirectUri]);
        const row = rows[0];
        if (!row)
            return undefined;
        const where = JSON.stringify([issuer, redirectUri]);
        const clientSecret = row.sealed ? this.#box.open(row.sealed, aadOf(issuer, redirectUri)) : undefined;
        return readStored("authbus_client_registrations", where, row.record, (value) => clientRegistrationSchema.parse(clientSecret === undefined ? value : { ...asObject(value), clientSecret }));
    }
    async set(registration) {
        const { clientSecret, ...rest } = clientRegistrationSchema.parse(registration);
        const sealed = clientSecret === undefined ? null : this.#box.seal(clientSecret, aadOf(rest.issuer, rest.redirectUri));
        await runQuery(this.#pool, "store a client registration", `INSERT INTO authbus_client_registrations (issuer, redirect_uri, record, sealed) VALUES ($1, $2, $3, $4)
       ON CONFLICT (issuer, redirect_uri) DO UPDATE SET record = excluded.record, sealed = excluded.sealed`, [rest.issuer, rest.redirectUri, JSON.stringify(rest), sealed]);
    }
    async delete(issuer, redirectUri) {
        await runQuery(this.#pool, "delete a client registration", "DELETE FROM authbus_client_registrations WHERE issuer = $1 AND redirect_uri = $2", [issuer, redirectUri]);
    }
}
