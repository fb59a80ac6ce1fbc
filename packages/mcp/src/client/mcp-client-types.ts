/** @module The public shapes of the multi-server MCP client: server config, options, and the {@link MCPClient} interface. */
import type { AuthBus, AuthChallengeError, TokenRefresher, TokenStore } from "@authbus/core";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import type { LoadMcpToolsOptions } from "@langchain/mcp-adapters";
import type { FetchLike } from "../auth-fetch/replayable-request.js";
import type { UrlElicitationListener } from "../elicitation/install-url-elicitation.js";
import type { MCPTransportKind } from "./connect-server.js";
import type { ToolCatalog } from "./connect-tool.js";

/** One MCP server of {@link createMCPClient}. */
export interface MCPServerConfig {
  /** The MCP endpoint (streamable HTTP) or SSE endpoint URL. */
  url: string;
  /** `"http"` (streamable HTTP), `"sse"` (HTTP+SSE), or `"auto"`: HTTP, then SSE on a 4xx. Default `"auto"`. */
  transport?: MCPTransportKind;
  /** What the server offers, in words; describes its `connect_<server>` tool before the first connection. */
  description?: string;
  /** The protected resource its tokens are issued for (RFC 8707). Default: the normalised `url`. */
  resource?: string;
}

/** What to do when a server answers a connection with an authentication challenge. */
export type OnUnauthorized = "connect-tool" | "throw";

/** Options of {@link createMCPClient}. */
export interface CreateMCPClientOptions {
  servers: Readonly<Record<string, MCPServerConfig>>;
  tokens: TokenStore;
  bus: AuthBus;
  /** The user whose tokens are sent. */
  subject: string;
  /** Silent refresh on `invalid_token` (e.g. `createRefresher` of `@authbus/oauth`). */
  refresh?: TokenRefresher;
  /**
   * `"connect-tool"` (default): `getTools()` resolves, with a stand-in `connect_<server>` tool per
   * server that challenged; `"throw"`: `getTools()` rejects with the `AuthChallengeError`.
   */
  onUnauthorized?: OnUnauthorized;
  /** The fetch under authFetch; defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Passed to `loadMcpTools` (`prefixToolNameWithServerName`, `outputHandling`, hooks…). */
  loadToolsOptions?: Omit<LoadMcpToolsOptions, "throwOnLoadError">;
  /** How this client introduces itself in `initialize`. */
  clientInfo?: { name: string; version: string };
  /** Where each server's last tool list is kept across restarts (default: memory only). */
  toolCatalog?: ToolCatalog;
  /**
   * URL-mode elicitation (MCP 2025-11-25), e.g. `createUrlElicitations()`: the client declares
   * `elicitation.url`, hands a server's `elicitation/create` to the tool call that caused it and
   * tells this listener when a server reports an elicitation complete. Default: not declared.
   */
  elicitations?: UrlElicitationListener;
}

/** Where a server is and which resource its tokens belong to. */
export interface MCPServerInfo {
  url: string;
  /** `normalizeResource(url)` unless configured: the (subject, resource) store key's resource. */
  resource: string;
}

/** The server behind a tool name, as {@link MCPClient.serverFor} answers. */
export interface MCPToolServer {
  serverName: string;
  resource: string;
  /** Whether the tool is the stand-in `connect_<server>` tool rather than one of the server's own. */
  connectTool: boolean;
  /**
   * The challenge of the server's last refused connection, if any: what a consent asked before
   * any call should be based on (MCP 2025-11-25 scope selection reads its `scope`).
   */
  challenge?: AuthChallengeError;
}

/** The multi-server client {@link createMCPClient} returns. */
export interface MCPClient {
  /**
   * The tools of every server, as LangChain tools; for a server that challenged, its
   * `connect_<server>` stand-in (or a rejection, with `onUnauthorized: "throw"`). Call it again
   * to pick up servers that can connect now (a token was stored since).
   *
   * With `onUnauthorized: "connect-tool"` a server that cannot be reached is left out of the
   * list (see {@link MCPClient.unavailable}) so one server that is down does not take the
   * others' tools away; it is tried again on the next call.
   *
   * @throws {AuthChallengeError} with `onUnauthorized: "throw"`, for the first server that challenged.
   * @throws {MCPClientError} `MCP_CONNECT_FAILED` when no server can be reached (with
   *   `onUnauthorized: "throw"`, when any cannot); `MCP_TOOL_NAME_COLLISION` when two servers
   *   name a tool the same; `MCP_CLIENT_CLOSED`.
   */
  getTools(): Promise<DynamicStructuredTool[]>;
  /** Servers the last `getTools()` could not reach, with the reason, by server name. */
  unavailable(): Readonly<Record<string, Error>>;
  /** The server a tool (as named by `getTools()`) belongs to, or `undefined` for an unknown name. */
  serverFor(toolName: string): MCPToolServer | undefined;
  /** Each configured server's URL and resource, by server name. */
  readonly servers: Readonly<Record<string, MCPServerInfo>>;
  /** Closes every connection. The client cannot be used afterwards. */
  close(): Promise<void>;
}
