/** @module @authbus/mcp: challenge-aware fetch for MCP SDK transports and a multi-server MCP client. */

export type { AuthFetchOptions, ObtainTokens } from "./auth-fetch/auth-fetch.js";
export { authFetch } from "./auth-fetch/auth-fetch.js";
export type { FetchLike } from "./auth-fetch/replayable-request.js";
export { currentCallId, runWithCallId, toolCallIdOf } from "./call-context/call-id.js";
export { runWithTokensRead } from "./call-context/tokens-read.js";
export type { MCPTransportKind } from "./client/connect-server.js";
export type { RememberedTool, ToolCatalog } from "./client/connect-tool.js";
export { connectToolName } from "./client/connect-tool.js";
export type {
  CreateMCPClientOptions,
  MCPClient,
  MCPServerConfig,
  MCPServerInfo,
  MCPToolServer,
  OnUnauthorized,
} from "./client/create-mcp-client.js";
export { createMCPClient } from "./client/create-mcp-client.js";
export type { DPoPProofInput } from "./dpop/create-dpop-proof.js";
export { createDPoPProof } from "./dpop/create-dpop-proof.js";
export { isDPoPNonceChallenge } from "./dpop/dpop-nonces.js";
export type {
  UrlElicitationConsent,
  UrlElicitations,
  UrlElicitationsOptions,
  UrlElicitationView,
} from "./elicitation/create-url-elicitations.js";
export { createUrlElicitations } from "./elicitation/create-url-elicitations.js";
export type { ElicitationAnswer, ElicitationScope } from "./elicitation/elicitation-scope.js";
export { runWithElicitationScope } from "./elicitation/elicitation-scope.js";
export type { UrlElicitationListener } from "./elicitation/install-url-elicitation.js";
export type { ElicitationAction, UrlElicitationRequest } from "./elicitation/url-elicitation.js";
export type { MCPClientError } from "./errors/mcp-client-error.js";
