/** @module @authbus/core: parse challenges, read their OAuth meaning, and carry them as typed events. */

export type {
  AuthBusBridge,
  BridgeAuthBusOptions,
  BusMessageTooLargeError,
  BusTransport,
} from "./bus/bridge/bridge-auth-bus.js";
export { bridgeAuthBus, CLUSTER_EVENTS } from "./bus/bridge/bridge-auth-bus.js";
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
export { AuthChallengeError } from "./errors/auth-challenge-error.js";
export { AuthbusError } from "./errors/authbus-error.js";
export type { AuthbusErrorCode } from "./errors/authbus-error-codes.js";
export { HeaderTooLargeError } from "./errors/header-too-large-error.js";
export type { AuthbusErrorMap, AuthbusErrorOf } from "./errors/is-authbus-error.js";
export { isAuthbusError } from "./errors/is-authbus-error.js";
export type { AuthEventName, AuthEvents, InvalidAuthEventError } from "./events/auth-event-schemas.js";
export { authEventSchemas, parseAuthEvent } from "./events/auth-event-schemas.js";
export { MAX_WWW_AUTHENTICATE_LENGTH } from "./limits.js";
export type {
  InvalidChallengeParameterError,
  OAuthChallenge,
} from "./oauth-challenge/read-oauth-challenge.js";
export {
  knownChallengeErrors,
  oauthChallengeSchema,
  readOAuthChallenge,
  selectOAuthChallenge,
} from "./oauth-challenge/read-oauth-challenge.js";
export { redactUrl, summarizeError } from "./redact/redact.js";
export type { ConsentRecord, ConsentStatus, ConsentStore } from "./stores/consent-store.js";
export { consentRecordSchema, consentStatusSchema, MemoryConsentStore } from "./stores/consent-store.js";
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
export { keepRenewed, MemoryLeaseStore } from "./stores/lease-store.js";
export type { RefreshLease, RefreshLeaseAttempt, RefreshLeases } from "./stores/refresh-lease.js";
export type { TokenKey } from "./stores/store-key.js";
export { checkTokenKey, normalizeResource } from "./stores/store-key.js";
export type { RefreshRequest, TokenRefresher, TokenSet, TokenStore } from "./stores/token-store.js";
export { checkTokenSet, MemoryTokenStore, tokenSetSchema } from "./stores/token-store.js";
export { fingerprintToken, TOKEN_FINGERPRINT_PATTERN } from "./tokens/fingerprint.js";
export type { Challenge } from "./www-authenticate/challenge.js";
export { challengeSchema } from "./www-authenticate/challenge.js";
export type { WWWAuthenticateFormatError } from "./www-authenticate/format.js";
export { formatWWWAuthenticate } from "./www-authenticate/format.js";
export { parseWWWAuthenticate } from "./www-authenticate/parse.js";
export type { WWWAuthenticateParseError } from "./www-authenticate/parse-error.js";
