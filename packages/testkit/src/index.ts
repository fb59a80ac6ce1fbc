/** @module @authbus/testkit: a real authorization server and protected MCP servers on loopback, for tests. */

export type { ApproveConsentOptions } from "./auth-server/approve-consent.js";
export { approveConsent } from "./auth-server/approve-consent.js";
export type {
  ApproveBackchannelOptions,
  ApproveDeviceOptions,
  BackchannelRequestView,
  DeviceRequestView,
  PollingFlowOptions,
  PollRecord,
} from "./auth-server/decoupled-flows.js";
export { CIBA_GRANT, DEVICE_CODE_GRANT } from "./auth-server/decoupled-flows.js";
export type {
  ServiceClientOptions,
  ServiceGrantType,
  TrustedIssuer,
} from "./auth-server/service-grants.js";
export {
  ID_JAG_JWT_TYPE,
  ID_JAG_TOKEN_TYPE,
  JWT_BEARER_GRANT,
  TOKEN_EXCHANGE_GRANT,
} from "./auth-server/service-grants.js";
export type {
  AuthServer,
  AuthServerDPoPOptions,
  AuthServerEndpoints,
  AuthServerOptions,
  AuthServerStats,
  PublicClientOptions,
  ResourceRegistration,
} from "./auth-server/start-auth-server.js";
export { ACR_BASIC, ACR_MFA, DEFAULT_CLIENT_ID, startAuthServer } from "./auth-server/start-auth-server.js";
export type { IssuedAccessToken, TokenInactiveReason, TokenStatus } from "./auth-server/token-ledger.js";
export type { DemoServers, DemoServersOptions } from "./demo/start-demo-servers.js";
export { DEMO_EVENTS, DEMO_FILES, DEMO_REPOSITORIES, startDemoServers } from "./demo/start-demo-servers.js";
export type { ChallengeFacts, HeaderStyle } from "./mcp-server/build-challenge.js";
export { buildChallenge, buildDPoPChallenge } from "./mcp-server/build-challenge.js";
export type { RequireThirdPartyOptions } from "./mcp-server/require-third-party.js";
export { requireThirdParty } from "./mcp-server/require-third-party.js";
export type {
  ProtectedMCPServer,
  ProtectedMCPServerOptions,
  ProtectedResourceDPoPOptions,
  ProtectedToolSpec,
  ReceivedToken,
  ToolCallContext,
} from "./mcp-server/start-protected-mcp-server.js";
export { startProtectedMCPServer } from "./mcp-server/start-protected-mcp-server.js";
export type { ToolElicitation, ToolUrlElicitation } from "./mcp-server/tool-elicitation.js";
export type { ProofExpectations, VerifiedProof } from "./mcp-server/verify-dpop-proof.js";
export { DEFAULT_DPOP_ALGORITHMS, verifyDPoPProof } from "./mcp-server/verify-dpop-proof.js";
export type {
  ThirdPartyRequest,
  ThirdPartyRequestStatus,
  ThirdPartySite,
  ThirdPartySiteOptions,
} from "./third-party/start-third-party-site.js";
export { startThirdPartySite } from "./third-party/start-third-party-site.js";
export type { ForkedWorker, ForkWorkerOptions, WorkerReply } from "./workers/fork-worker.js";
export { forkWorker } from "./workers/fork-worker.js";
