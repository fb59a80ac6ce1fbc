import pg from "pg";
import { PostgresClientRegistrationStore } from "./postgres-client-registration-store.js";
import { PostgresConsentStore } from "./postgres-consent-store.js";
import { PostgresConsentWaitStore } from "./postgres-consent-wait-store.js";
import { PostgresLeaseStore } from "./postgres-lease-store.js";
import { PostgresTokenStore } from "./postgres-token-store.js";
/** Options of {@link openPostgresStores}: a connection string or a pool of your own. */
export interface PostgresStoresOptions {
    /** `postgres://user:password@host:port/database`. Default: `process.env.AUTHBUS_DATABASE_URL`. */
    connectionString?: string;
    /** A pool of your own (then `connectionString` and `max` are not used, and `close()` leaves it open). */
    pool?: pg.Pool;
    /** Connections in the pool it creates. Default 10. */
    max?: number;
    /** The encryption secret, at least 32 characters. Default: `process.env.AUTHBUS_SECRET`. */
    secret?: string;
    /** Allow opening without a secret (a fixed, public development key: no protection). Never for real tokens. */
    development?: boolean;
    /** Told about errors of idle pooled connections (a restarted server); the pool replaces them. */
    onError?: (error: unknown) => void;
}
/** The stores over one Postgres database, shared by every worker that opens it. */
export interface PostgresStores {
    tokens: PostgresTokenStore;
    consents: PostgresConsentStore;
    registrations: PostgresClientRegistrationStore;
    /** Which threads wait on which consent, and tool calls under way (for resuming after a restart). */
    waits: PostgresConsentWaitStore;
    /** Named leases shared by every worker (e.g. one resume per thread). */
    leases: PostgresLeaseStore;
    /** The pool the stores query (also what `createPostgresBusTransport` and `PostgresSaver` can share). */
    readonly pool: pg.Pool;
    /** Whether the database was opened as a development store (fixed, public key). */
    readonly development: boolean;
    /** Ends the pool it created (a pool passed in is left open). */
    close(): Promise<void>;
    [Symbol.asyncDispose](): Promise<void>;
}
/**
 * Opens the stores in a Postgres database, for a deployment of several workers: migrates the
 * schema first (under an advisory lock, so workers may start together), then checks the secret.
 * Secrets are sealed exactly as in {@link openSqliteStores} (AES-256-GCM under an HKDF-SHA256 key
 * from `AUTHBUS_SECRET` and the database's random salt; `state` found by its HMAC).
 *
 * Every store method throws {@link StoreUnavailableError} when the database cannot be reached;
 * the pool opens new connections once it is back, so the next call works again.
 *
 * @see RFC 5869, NIST SP 800-38D
 * @example
 * const stores = await openPostgresStores({ connectionString: process.env.AUTHBUS_DATABASE_URL });
 * const consents = createConsents({ tokens: stores.tokens, store: stores.consents,
 *   registrations: stores.registrations, client: { redirectUri }, bus });
 * @throws {StoreSecretError} without a secret (unless `development`), with one shorter than 32
 *   characters, or with one that is not the database's.
 * @throws {StoreUnavailableError} when the database cannot be reached.
 */
export declare function openPostgresStores(options?: PostgresStoresOptions): Promise<PostgresStores>;
