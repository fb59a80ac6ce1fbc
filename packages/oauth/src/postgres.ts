/**
 * @module @authbus/oauth/postgres: token, consent, registration and consent-wait stores, leases and
 * a bus transport in Postgres, for running on several workers. Needs the `pg` package.
 */
export type { StoreUnavailableError } from "./errors/store-unavailable-error.js";
export { migratePostgres, POSTGRES_SCHEMA_VERSION } from "./stores/postgres/migrate-postgres.js";
export type { PostgresStores, PostgresStoresOptions } from "./stores/postgres/open-postgres-stores.js";
export { openPostgresStores } from "./stores/postgres/open-postgres-stores.js";
export type {
  PostgresBusTransport,
  PostgresBusTransportOptions,
} from "./stores/postgres/postgres-bus-transport.js";
export {
  createPostgresBusTransport,
  NOTIFY_PAYLOAD_LIMIT,
} from "./stores/postgres/postgres-bus-transport.js";
export { PostgresClientRegistrationStore } from "./stores/postgres/postgres-client-registration-store.js";
export { PostgresConsentStore } from "./stores/postgres/postgres-consent-store.js";
export { PostgresConsentWaitStore } from "./stores/postgres/postgres-consent-wait-store.js";
export { PostgresLeaseStore } from "./stores/postgres/postgres-lease-store.js";
export { PostgresTokenStore } from "./stores/postgres/postgres-token-store.js";
