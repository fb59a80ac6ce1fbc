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
  DEMO_EVENTS,
  DEMO_FILES,
  type DemoServers,
  type DemoServersOptions,
  startDemoServers,
} from "./demo/start-demo-servers.js";
export {
  isTestkitError,
  TESTKIT_ERROR_CODES,
  TestkitError,
  type TestkitErrorCode,
} from "./errors/testkit-error.js";
export type { ChallengeFacts, HeaderStyle } from "./mcp-server/build-challenge.js";
export { buildChallenge } from "./mcp-server/build-challenge.js";
export {
  type ProtectedMCPServer,
  type ProtectedMCPServerOptions,
  type ProtectedToolSpec,
  type ReceivedToken,
  startProtectedMCPServer,
  type ToolCallContext,
} from "./mcp-server/start-protected-mcp-server.js";
