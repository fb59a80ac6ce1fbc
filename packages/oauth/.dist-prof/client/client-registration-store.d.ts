/** @module Where dynamically registered client identities are kept, so registration happens once per server. */
import { z } from "zod";
/**
 * A client identity an authorization server issued (RFC 7591 §3.2.1), for one redirect URI.
 * `clientSecret` is a secret of the store: SQLite encrypts it.
 */
export declare const clientRegistrationSchema: z.ZodObject<{
    issuer: z.ZodString;
    redirectUri: z.ZodString;
    clientId: z.ZodString;
    clientSecret: z.ZodOptional<z.ZodString>;
    clientSecretExpiresAt: z.ZodOptional<z.ZodNumber>;
    tokenEndpointAuthMethod: z.ZodString;
    registeredAt: z.ZodNumber;
}, z.core.$strict>;
export type ClientRegistration = z.infer<typeof clientRegistrationSchema>;
/** Async storage of client registrations keyed by (issuer, redirect URI). */
export interface ClientRegistrationStore {
    get(issuer: string, redirectUri: string): Promise<ClientRegistration | undefined>;
    set(registration: ClientRegistration): Promise<void>;
    delete(issuer: string, redirectUri: string): Promise<void>;
}
/**
 * A {@link ClientRegistrationStore} in process memory.
 *
 * @example
 * const registrations = new MemoryClientRegistrationStore();
 * const consents = createConsents({ tokens, store, registrations, client: { redirectUri }, bus });
 */
export declare class MemoryClientRegistrationStore implements ClientRegistrationStore {
    #private;
    get(issuer: string, redirectUri: string): Promise<ClientRegistration | undefined>;
    set(registration: ClientRegistration): Promise<void>;
    delete(issuer: string, redirectUri: string): Promise<void>;
}
