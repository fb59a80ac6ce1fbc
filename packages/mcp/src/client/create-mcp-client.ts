/**
 * @module A multi-server MCP client over authFetch that turns server tools into LangChain tools,
 * composed from per-server state (`server-state`), its connection (`server-connection`), its
 * tools (`server-tools`) and the merged list (`merge-tools`).
 */
import { checkServers } from "./check-servers.js";
import { connectToolName } from "./connect-tool.js";
import type {
  CreateMCPClientOptions,
  MCPClient,
  MCPServerInfo,
  MCPToolServer,
  OnUnauthorized,
} from "./mcp-client-types.js";
import { mergeTools } from "./merge-tools.js";
import { closeConnections, dropConnection } from "./server-connection.js";
import { assertOpen, type ClientContext, createServerState, type ServerState } from "./server-state.js";
import { toolsOf } from "./server-tools.js";

export type {
  CreateMCPClientOptions,
  MCPClient,
  MCPServerConfig,
  MCPServerInfo,
  MCPToolServer,
  OnUnauthorized,
} from "./mcp-client-types.js";

/**
 * Creates a client for several MCP servers, each reached through {@link authFetch} with the
 * tokens stored for (subject, server resource), whose tools are LangChain tools made by
 * `loadMcpTools` of `@langchain/mcp-adapters`.
 *
 * Unlike the adapters' own client, a 401/403 during connection, listing or a tool call rejects
 * with an `AuthChallengeError` (status, headers, `wwwAuthenticate`, parsed challenges), not a
 * `ToolException` string, and the challenge is on the bus with the tool call's id. A server
 * that challenged at connection time is offered as a `connect_<server>` tool and is connected
 * again on the next `getTools()` or call once a token is stored: there is no failed list and no
 * restart.
 *
 * @see RFC 6750 §3, RFC 9728 §5.1, MCP authorization (2025-06-18) §2.6
 * @example
 * const client = createMCPClient({
 *   servers: { files: { url: "https://files.example.com/mcp", description: "read and write files" } },
 *   tokens, bus, subject: "alice", refresh,
 * });
 * const tools = await client.getTools(); // [connect_files] until alice consents, then the real tools
 * bus.on("challenge", (event) => console.log(event.serverName, event.status, event.callId));
 */
export function createMCPClient(options: CreateMCPClientOptions): MCPClient {
  checkServers(options.servers);
  let closed = false;
  const onUnauthorized: OnUnauthorized = options.onUnauthorized ?? "connect-tool";
  const context: ClientContext = {
    options,
    onUnauthorized,
    clientInfo: options.clientInfo ?? { name: "authbus", version: "0.1.0" },
    isClosed: () => closed,
  };
  const states = new Map<string, ServerState>();
  const toolServers = new Map<string, MCPToolServer>();
  for (const [name, config] of Object.entries(options.servers)) {
    const state = createServerState(name, config, options, dropConnection);
    states.set(name, state);
    toolServers.set(connectToolName(name), {
      serverName: name,
      resource: state.info.resource,
      connectTool: true,
    });
  }

  const servers: Record<string, MCPServerInfo> = {};
  for (const [name, state] of states) servers[name] = Object.freeze({ ...state.info });

  return {
    servers: Object.freeze(servers),

    async getTools() {
      assertOpen(context);
      const list = [...states.values()];
      const results = await Promise.allSettled(list.map((state) => toolsOf(state, context)));
      return mergeTools(list, results, onUnauthorized, toolServers);
    },

    unavailable() {
      const down: Record<string, Error> = {};
      for (const state of states.values()) if (state.unreachable) down[state.name] = state.unreachable;
      return down;
    },

    serverFor(toolName) {
      const found = toolServers.get(toolName);
      if (!found) return undefined;
      const challenge = states.get(found.serverName)?.challenge?.error;
      return challenge ? { ...found, challenge } : { ...found };
    },

    async close() {
      closed = true;
      await closeConnections(states.values());
    },
  };
}
