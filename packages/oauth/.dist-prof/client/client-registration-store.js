/** @module Where dynamically registered client identities are kept, so registration happens once per server. */
import { z } from "zod";
/**
 * A client identity an authorization server issued (RFC 7591 §3.2.1), for one redirect URI.
 * `clientSecret` is a secret of the store: SQLite encrypts it.
 */
export const clientRegistrationSchema = z.strictObject({
    issuer: z.string().min(1),
    redirectUri: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    /** Epoch milliseconds; absent or 0 when the secret does not expire. */
    clientSecretExpiresAt: z.number().int().optional(),
    /** `none` for a public client (the default we ask for). */
    tokenEndpointAuthMethod: z.string().min(1),
    /** Epoch milliseconds. */
    registeredAt: z.number().int(),
});
const keyOf = (issuer, redirectUri) => JSON.stringify([issuer, redirectUri]);
/**
 * A {@link ClientRegistrationStore} in process memory.
 *
 * @example
 * const registrations = new MemoryClientRegistrationStore();
 * const consents = createConsents({ tokens, store, registrations, client: { redirectUri }, bus });
 */
export class MemoryClientRegistrationStore {
    #entries = new Map();
    async get(issuer, redirectUri) {
        const found = this.#entries.get(keyOf(issuer, redirectUri));
        return found ? structuredClone(found) : undefined;
    }
    async set(registration) {
        const stored = clientRegistrationSchema.parse(registration);
        this.#entries.set(keyOf(stored.issuer, stored.redirectUri), stored);
    }
    async delete(issuer, redirectUri) {
        this.#entries.delete(keyOf(issuer, redirectUri));
    }
}
