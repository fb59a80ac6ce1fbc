import type { ConsentStore, ConsentWaitStore, LeaseStore, RefreshLeases, TokenStore } from "@authbus/core";
import type { ClientRegistrationStore } from "../../client/client-registration-store.js";
/** Options of {@link openSqliteStores}. */
export interface SqliteStoresOptions {
    /** The database file (created if missing). `:memory:` works for tests. */
    path: string;
    /**
     * The encryption secret, at least 32 characters. Default: `process.env.AUTHBUS_SECRET`.
     */
    secret?: string;
    /**
     * Allow opening without a secret: values are then sealed under a fixed, public development
     * key (no protection). Never for real tokens.
     */
    development?: boolean;
}
/**
 * The stores over one open file. Typed by the store interfaces, so this package's public types
 * name none of better-sqlite3's (type-checking needs no `@types/better-sqlite3`).
 */
export interface SqliteStores {
    tokens: TokenStore & RefreshLeases;
    consents: ConsentStore;
    registrations: ClientRegistrationStore;
    /** Which threads wait on which consent, and tool calls under way (for resuming after a restart). */
    waits: ConsentWaitStore;
    /** Named leases shared by every process that opens the file (e.g. one resume per thread). */
    leases: LeaseStore;
    /** Whether the file was opened as a development store (fixed, public key). */
    readonly development: boolean;
    /** Closes the file (checkpointing the WAL). */
    close(): void;
    /** Same as `close()`, for `using stores = openSqliteStores(…)`. */
    [Symbol.dispose](): void;
}
/**
 * Opens (or creates) one SQLite file in WAL mode holding tokens, consents, client
 * registrations and consent waits (with tool calls under way). Access and refresh tokens, DPoP private keys, PKCE verifiers, `state` values,
 * authorization URLs and client secrets are encrypted with AES-256-GCM (random 96-bit IV per value, the row key
 * as additional authenticated data) under a key derived with HKDF-SHA256 from `secret` /
 * `AUTHBUS_SECRET`. A callback's `state` is found by its HMAC.
 *
 * @see RFC 5869, NIST SP 800-38D
 * @example
 * const stores = openSqliteStores({ path: "authbus.db" }); // AUTHBUS_SECRET from the environment
 * const consents = createConsents({ tokens: stores.tokens, store: stores.consents,
 *   registrations: stores.registrations, client: { redirectUri }, bus });
 * @throws {StoreSecretError} without a secret (unless `development`), with one shorter than 32
 *   characters, or with one that is not the file's.
 */
export declare function openSqliteStores(options: SqliteStoresOptions): SqliteStores;
