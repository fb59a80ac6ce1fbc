/** @module What the client keeps per server (its authFetch, connection, tools, last challenge), and the context its parts share. */
import { type AuthChallengeError, normalizeResource, type TokenKey } from "@authbus/core";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { createAuthFetch } from "../auth-fetch/auth-fetch.js";
import type { FetchLike } from "../auth-fetch/replayable-request.js";
import { MCPClientError } from "../errors/mcp-client-error.js";
import { recordChallenge } from "./challenge-capture.js";
import type { RememberedTool } from "./connect-tool.js";
import type {
  CreateMCPClientOptions,
  MCPServerConfig,
  MCPServerInfo,
  OnUnauthorized,
} from "./mcp-client-types.js";

/** What every part of one client shares. */
export interface ClientContext {
  readonly options: CreateMCPClientOptions;
  readonly onUnauthorized: OnUnauthorized;
  readonly clientInfo: { name: string; version: string };
  /** Whether `close()` was called. */
  isClosed(): boolean;
}

/** One configured server's state. */
export interface ServerState {
  name: string;
  config: MCPServerConfig;
  info: MCPServerInfo;
  key: TokenKey;
  fetch: FetchLike;
  client: Client | undefined;
  connecting: Promise<Client> | undefined;
  tools: DynamicStructuredTool[] | undefined;
  loading: Promise<DynamicStructuredTool[]> | undefined;
  remembered: readonly RememberedTool[] | undefined;
  /** Whether the tool catalog was asked for this server's list yet. */
  catalogRead: boolean;
  /** The challenge of the last failed connection, and a fingerprint of the token it was made with. */
  challenge: { error: AuthChallengeError; fingerprint: string } | undefined;
  connectTool: DynamicStructuredTool | undefined;
  /** Why the last `getTools()` could not reach the server, if it could not. */
  unreachable: Error | undefined;
}

/** @throws {MCPClientError} `MCP_CLIENT_CLOSED` once the client is closed. */
export function assertOpen(context: ClientContext): void {
  if (context.isClosed()) {
    throw new MCPClientError({ message: "the MCP client is closed", code: "MCP_CLIENT_CLOSED" });
  }
}

/**
 * The state of server `name`, not yet connected. Its fetch is an authFetch for (subject, the
 * server's resource); `onBackgroundChallenge` is told of a challenge no operation waits for.
 */
export function createServerState(
  name: string,
  config: MCPServerConfig,
  options: CreateMCPClientOptions,
  onBackgroundChallenge: (state: ServerState) => void,
): ServerState {
  const resource = normalizeResource(config.resource ?? config.url);
  const fetch = createAuthFetch(
    {
      serverName: name,
      resource,
      subject: options.subject,
      tokens: options.tokens,
      bus: options.bus,
      ...(options.refresh ? { refresh: options.refresh } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
    {
      onChallengeError: (error) => {
        if (!recordChallenge(error)) onBackgroundChallenge(state);
      },
    },
  );
  const state: ServerState = {
    name,
    config,
    info: { url: config.url, resource },
    key: { subject: options.subject, resource },
    fetch,
    client: undefined,
    connecting: undefined,
    tools: undefined,
    loading: undefined,
    remembered: undefined,
    catalogRead: false,
    challenge: undefined,
    unreachable: undefined,
    connectTool: undefined,
  };
  return state;
}
