/** @module @authbus/oauth: discovery, PKCE re-consent, token refresh and durable stores, built on oauth4webapi. */
export type { ClientRegistration, ClientRegistrationStore } from "./client/client-registration-store.js";
export {
  clientRegistrationSchema,
  MemoryClientRegistrationStore,
} from "./client/client-registration-store.js";
export type { ClientConfig, ResolvedClient } from "./client/resolve-client.js";
export { registerClient, resolveClient } from "./client/resolve-client.js";
export type { AuthorizationUrlInput } from "./consent/authorization-url.js";
export { buildAuthorizationUrl } from "./consent/authorization-url.js";
export { reasonForChallenge } from "./consent/consent-reason.js";
export type {
  BeginConsentInput,
  ChallengeCarrier,
  ConsentRequest,
  ConsentResult,
  Consents,
  ConsentsOptions,
  ConsentView,
} from "./consent/create-consents.js";
export { createConsents } from "./consent/create-consents.js";
export type { ScopeSelectionInput } from "./consent/scopes.js";
export { selectScopes, unionScopes } from "./consent/scopes.js";
export type { Discovery, DiscoveryOptions, ResourceDiscovery } from "./discovery/create-discovery.js";
export { createDiscovery } from "./discovery/create-discovery.js";
export type { AuthorizationServerMetadata } from "./discovery/discover-authorization-server.js";
export { assertPkceS256, discoverAuthorizationServer } from "./discovery/discover-authorization-server.js";
export type {
  DiscoveredProtectedResource,
  ProtectedResourceMetadata,
} from "./discovery/discover-protected-resource.js";
export { discoverProtectedResource } from "./discovery/discover-protected-resource.js";
export {
  authorizationServerMetadataUrls,
  protectedResourceMetadataUrls,
} from "./discovery/well-known-urls.js";
export type { ConsentStateProblem, OAuthErrorCode, StoreSecretProblem } from "./errors/oauth-errors.js";
export {
  CLIENT_REGISTRATION_FAILED,
  ClientRegistrationError,
  CONSENT_CALLBACK,
  CONSENT_STATE,
  ConsentCallbackError,
  ConsentStateError,
  DISCOVERY_FAILED,
  DiscoveryError,
  isClientRegistrationError,
  isConsentCallbackError,
  isConsentStateError,
  isDiscoveryError,
  isPkceUnsupportedError,
  isRefreshError,
  isResourceMismatchError,
  isStoreSecretError,
  PKCE_UNSUPPORTED,
  PkceUnsupportedError,
  REFRESH_FAILED,
  RESOURCE_MISMATCH,
  RefreshError,
  ResourceMismatchError,
  STORE_SECRET,
  StoreSecretError,
} from "./errors/oauth-errors.js";
export type { RefresherOptions } from "./refresh/create-refresher.js";
export { createRefresher } from "./refresh/create-refresher.js";
export type { FetchLike, HttpOptions } from "./shared/http-options.js";
export type { SqliteStores, SqliteStoresOptions } from "./stores/sqlite/open-sqlite-stores.js";
export { openSqliteStores } from "./stores/sqlite/open-sqlite-stores.js";
export { SqliteClientRegistrationStore } from "./stores/sqlite/sqlite-client-registration-store.js";
export { SqliteConsentStore } from "./stores/sqlite/sqlite-consent-store.js";
export { SqliteTokenStore } from "./stores/sqlite/sqlite-token-store.js";
