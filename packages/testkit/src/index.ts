/** @module @authbus/testkit — a real authorization server and protected MCP servers on loopback. */
export { type ApproveConsentOptions, approveConsent } from "./auth-server/approve-consent.js";
export {
  ACR_BASIC,
  ACR_MFA,
  type AuthServer,
  type AuthServerEndpoints,
  type AuthServerOptions,
  type AuthServerStats,
  DEFAULT_CLIENT_ID,
  type PublicClientOptions,
  type ResourceRegistration,
  startAuthServer,
} from "./auth-server/start-auth-server.js";
export type { IssuedAccessToken, TokenInactiveReason, TokenStatus } from "./auth-server/token-ledger.js";
export {
  isTestkitError,
  TESTKIT_ERROR_CODES,
  TestkitError,
  type TestkitErrorCode,
} from "./errors/testkit-error.js";
