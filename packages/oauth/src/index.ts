/** @module @authbus/oauth: discovery, PKCE re-consent, token refresh and durable stores, built on oauth4webapi. */
export type { ChannelChoiceInput, ConsentChannelOptions } from "./channels/choose-channel.js";
export { chooseChannel } from "./channels/choose-channel.js";
export { createBindingMessage } from "./channels/ciba.js";
export type { SecretAuthMethod } from "./client/client-auth.js";
export { clientSecretBasic } from "./client/client-auth.js";
export type { ClientMetadataDocument } from "./client/client-metadata-document.js";
export { createClientMetadataDocument } from "./client/client-metadata-document.js";
export type { ClientRegistration, ClientRegistrationStore } from "./client/client-registration-store.js";
export {
  clientRegistrationSchema,
  MemoryClientRegistrationStore,
} from "./client/client-registration-store.js";
export type { ClientConfig, PreRegisteredClient, ResolvedClient } from "./client/resolve-client.js";
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
export type {
  Discovery,
  DiscoveryOptions,
  ForResourceOptions,
  ResourceDiscovery,
} from "./discovery/create-discovery.js";
export { createDiscovery } from "./discovery/create-discovery.js";
export type { AuthorizationServerMetadata } from "./discovery/discover-authorization-server.js";
export { assertPkceS256, discoverAuthorizationServer } from "./discovery/discover-authorization-server.js";
export type {
  DiscoveredProtectedResource,
  ProtectedResourceMetadata,
} from "./discovery/discover-protected-resource.js";
export { discoverProtectedResource } from "./discovery/discover-protected-resource.js";
export { metadataResourceCovers } from "./discovery/resource-match.js";
export {
  authorizationServerMetadataUrls,
  protectedResourceMetadataUrls,
} from "./discovery/well-known-urls.js";
export { createDPoPHandle } from "./dpop/dpop-token-request.js";
export type { DPoPAlgorithmInput, DPoPMode } from "./dpop/select-dpop-algorithm.js";
export { selectDPoPAlgorithm } from "./dpop/select-dpop-algorithm.js";
// Errors: recognise them with `isAuthbusError(error, code)` from @authbus/core; the types say their fields.
export type { ConsentChannelError } from "./errors/consent-channel-error.js";
export type {
  ClientRegistrationError,
  ConsentCallbackError,
  ConsentRetryLimitError,
  ConsentStateError,
  ConsentStateProblem,
  DiscoveryError,
  GrantError,
  GrantFailureStep,
  PkceUnsupportedError,
  RefreshError,
  ResourceMismatchError,
  StoreSecretError,
  StoreSecretProblem,
} from "./errors/oauth-errors.js";
export type {
  LimitExceededError,
  LimitName,
  RequestAbortedError,
  RequestTimeoutError,
  UrlRefusal,
  UrlRefusedError,
} from "./errors/request-errors.js";
export type { RevocationError } from "./errors/revocation-error.js";
export type { StoreCorruptError, StoreCorruption } from "./errors/store-errors.js";
export type { StoreUnavailableError } from "./errors/store-unavailable-error.js";
export { requestClientCredentialsToken } from "./grants/client-credentials.js";
export type {
  AssertionContext,
  AssertionProvider,
  IdTokenProvider,
  ObtainTokensOptions,
  ServiceGrant,
  ServiceTokens,
  ServiceTokensOptions,
} from "./grants/create-service-tokens.js";
export { createServiceTokens } from "./grants/create-service-tokens.js";
export type { EnterpriseManagedInput } from "./grants/enterprise-managed.js";
export { requestEnterpriseManagedToken } from "./grants/enterprise-managed.js";
export type { IdentityProvider, IdJag, IdJagExchangeInput } from "./grants/id-jag-exchange.js";
export { exchangeForIdJag } from "./grants/id-jag-exchange.js";
export type { JwtBearerInput } from "./grants/jwt-bearer.js";
export { requestJwtBearerToken } from "./grants/jwt-bearer.js";
export type { GrantName, ServiceGrantInput } from "./grants/send-grant.js";
export type { ServiceClient, ServiceClientAuthMethod } from "./grants/service-client.js";
export type { RefresherOptions } from "./refresh/create-refresher.js";
export { createRefresher, DEFAULT_REFRESH_LEASE_TTL_MS } from "./refresh/create-refresher.js";
export type {
  RevocationOutcome,
  RevokedTokenType,
  RevokeTokensOptions,
  RevokeTokensResult,
} from "./revoke/revoke-tokens.js";
export { revokeTokens } from "./revoke/revoke-tokens.js";
export type { FetchLike, HttpOptions } from "./shared/http-options.js";
export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_AUTHORIZATION_SCOPES,
  MAX_AUTHORIZATION_URL_LENGTH,
  MAX_RESPONSE_BODY_BYTES,
} from "./shared/limits.js";
