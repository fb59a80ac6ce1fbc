/** @module @authbus/core: parse challenges, read their OAuth meaning, and carry them as typed events. */

export type { AuthBusBridge, BridgeAuthBusOptions, BusTransport } from "./bus/bridge/bridge-auth-bus.js";
export {
  BUS_MESSAGE_TOO_LARGE,
  BusMessageTooLargeError,
  bridgeAuthBus,
  CLUSTER_EVENTS,
  isBusMessageTooLargeError,
} from "./bus/bridge/bridge-auth-bus.js";
export type { MemoryBusHub } from "./bus/bridge/memory-bus-transport.js";
export { createMemoryBusHub } from "./bus/bridge/memory-bus-transport.js";
export type { AuthBus, AuthEventHandler } from "./bus/create-auth-bus.js";
export { createAuthBus } from "./bus/create-auth-bus.js";
export type { AuthInterrupt, AuthResume } from "./consent/auth-interrupt.js";
export {
  AUTH_INTERRUPT_TYPE,
  authInterruptSchema,
  authResumeSchema,
  isAuthInterrupt,
} from "./consent/auth-interrupt.js";
export type { ConsentChannel } from "./consent/consent-channel.js";
export { consentChannelSchema } from "./consent/consent-channel.js";
export type { ConsentOutcome, ConsentReason } from "./consent/consent-reason.js";
export { consentOutcomeSchema, consentReasonSchema } from "./consent/consent-reason.js";
export type { DPoPAlgorithm, DPoPKey } from "./dpop/dpop-key.js";
export {
  DPOP_ALGORITHMS,
  dpopAlgorithmSchema,
  dpopKeySchema,
  dpopSignParameters,
  generateDPoPKey,
  importDPoPKey,
  isDPoPAlgorithm,
  publicDPoPJwk,
} from "./dpop/dpop-key.js";
export type { AuthChallengeErrorInit } from "./errors/auth-challenge-error.js";
export { AUTH_CHALLENGE, AuthChallengeError, isAuthChallengeError } from "./errors/auth-challenge-error.js";
export type { HeaderTooLargeErrorInit } from "./errors/header-too-large-error.js";
export {
  HEADER_TOO_LARGE,
  HeaderTooLargeError,
  isHeaderTooLargeError,
} from "./errors/header-too-large-error.js";
export type { AuthEventName, AuthEvents } from "./events/auth-event-schemas.js";
export {
  authEventSchemas,
  INVALID_AUTH_EVENT,
  InvalidAuthEventError,
  isInvalidAuthEventError,
  parseAuthEvent,
} from "./events/auth-event-schemas.js";
export { MAX_WWW_AUTHENTICATE_LENGTH } from "./limits.js";
export type { OAuthChallenge } from "./oauth-challenge/read-oauth-challenge.js";
export {
  INVALID_CHALLENGE_PARAMETER,
  InvalidChallengeParameterError,
  isInvalidChallengeParameterError,
  knownChallengeErrors,
  oauthChallengeSchema,
  readOAuthChallenge,
  selectOAuthChallenge,
} from "./oauth-challenge/read-oauth-challenge.js";
export { redactUrl, summarizeError } from "./redact/redact.js";
export type { ConsentRecord, ConsentStatus, ConsentStore } from "./stores/consent-store.js";
export {
  consentRecordSchema,
  consentStatusSchema,
  DUPLICATE_CONSENT,
  DuplicateConsentError,
  isDuplicateConsentError,
  MemoryConsentStore,
} from "./stores/consent-store.js";
export type {
  ConsentWait,
  ConsentWaitStore,
  ToolCallKey,
  ToolCallRecord,
  ToolCallResult,
  ToolCallStart,
  ToolCallStatus,
} from "./stores/consent-wait-store.js";
export {
  consentWaitSchema,
  digestSession,
  MemoryConsentWaitStore,
  toolCallKeySchema,
  toolCallRecordSchema,
  toolCallResultSchema,
  toolCallStatusSchema,
} from "./stores/consent-wait-store.js";
export type { Lease, LeaseStore } from "./stores/lease-store.js";
export { MemoryLeaseStore } from "./stores/lease-store.js";
export type { RefreshLease, RefreshLeaseAttempt, RefreshLeases } from "./stores/refresh-lease.js";
export type { TokenKey } from "./stores/store-key.js";
export {
  checkTokenKey,
  INVALID_STORE_KEY,
  InvalidStoreKeyError,
  isInvalidStoreKeyError,
  normalizeResource,
} from "./stores/store-key.js";
export type { RefreshRequest, TokenRefresher, TokenSet, TokenStore } from "./stores/token-store.js";
export {
  checkTokenSet,
  INVALID_TOKEN_SET,
  InvalidTokenSetError,
  isInvalidTokenSetError,
  MemoryTokenStore,
  tokenSetSchema,
} from "./stores/token-store.js";
export { fingerprintToken, TOKEN_FINGERPRINT_PATTERN } from "./tokens/fingerprint.js";
export type { Challenge } from "./www-authenticate/challenge.js";
export { challengeSchema } from "./www-authenticate/challenge.js";
export {
  formatWWWAuthenticate,
  isWWWAuthenticateFormatError,
  WWW_AUTHENTICATE_FORMAT_ERROR,
  WWWAuthenticateFormatError,
} from "./www-authenticate/format.js";
export { parseWWWAuthenticate } from "./www-authenticate/parse.js";
export {
  isWWWAuthenticateParseError,
  WWW_AUTHENTICATE_PARSE_ERROR,
  WWWAuthenticateParseError,
} from "./www-authenticate/parse-error.js";
