/** @module A multi-server MCP client over authFetch that turns server tools into LangChain tools. */
import {
  type AuthBus,
  type AuthChallengeError,
  fingerprintToken,
  isAuthChallengeError,
  normalizeResource,
  type TokenKey,
  type TokenRefresher,
  type TokenStore,
} from "@authbus/core";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import { type LoadMcpToolsOptions, loadMcpTools } from "@langchain/mcp-adapters";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { createAuthFetch } from "../auth-fetch/auth-fetch.js";
import type { FetchLike } from "../auth-fetch/replayable-request.js";
import { runWithCallId, toolCallIdOf } from "../call-context/call-id.js";
import {
  installUrlElicitation,
  type UrlElicitationListener,
} from "../elicitation/install-url-elicitation.js";
import { isMCPClientError, MCP_CLIENT_ERROR_CODES, MCPClientError } from "../errors/mcp-client-error.js";
import { recordChallenge, withChallengeCapture } from "./challenge-capture.js";
import { connectServer, type MCPTransportKind } from "./connect-server.js";
import {
  connectToolName,
  createConnectTool,
  describeConnectTool,
  type RememberedTool,
  type ToolCatalog,
} from "./connect-tool.js";
import { requestWithOwnSignal } from "./request-signal.js";

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

// The SDK client's request signatures, for the facade that `loadMcpTools` calls.
type CallToolParams = Parameters<Client["callTool"]>[0];
type CallToolSchema = Parameters<Client["callTool"]>[1];
type RequestOptions = Parameters<Client["callTool"]>[2];
type ListToolsParams = Parameters<Client["listTools"]>[0];
type ReadResourceParams = Parameters<Client["readResource"]>[0];

interface ServerState {
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

const NO_TOKEN = "none";

function checkServers(servers: Readonly<Record<string, MCPServerConfig>>): void {
  const names = Object.keys(servers);
  if (names.length === 0) {
    throw new MCPClientError("servers must name at least one MCP server", {
      code: MCP_CLIENT_ERROR_CODES.invalidConfig,
    });
  }
  for (const name of names) {
    const config = servers[name] as MCPServerConfig;
    if (name.trim() === "") {
      throw new MCPClientError("a server name must not be empty", {
        code: MCP_CLIENT_ERROR_CODES.invalidConfig,
      });
    }
    let url: URL;
    try {
      url = new URL(config?.url);
    } catch {
      throw new MCPClientError(`server "${name}": url is not an absolute URL`, {
        code: MCP_CLIENT_ERROR_CODES.invalidConfig,
        serverName: name,
      });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new MCPClientError(`server "${name}": url must be http(s)`, {
        code: MCP_CLIENT_ERROR_CODES.invalidConfig,
        serverName: name,
      });
    }
    if (config.transport !== undefined && !["http", "sse", "auto"].includes(config.transport)) {
      throw new MCPClientError(`server "${name}": transport must be "http", "sse" or "auto"`, {
        code: MCP_CLIENT_ERROR_CODES.invalidConfig,
        serverName: name,
      });
    }
  }
}

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
  const onUnauthorized: OnUnauthorized = options.onUnauthorized ?? "connect-tool";
  const clientInfo = options.clientInfo ?? { name: "authbus", version: "0.1.0" };
  const states = new Map<string, ServerState>();
  const toolServers = new Map<string, MCPToolServer>();
  let closed = false;

  for (const [name, config] of Object.entries(options.servers)) {
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
          if (!recordChallenge(error)) dropConnection(name);
        },
      },
    );
    states.set(name, {
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
    });
    toolServers.set(connectToolName(name), { serverName: name, resource, connectTool: true });
  }

  /**
   * A challenge no operation waits for came from a transport's background request (an SSE stream
   * reconnecting with a token that no longer works). The connection is closed so it does not
   * knock again every few seconds; the next call or `getTools()` connects anew.
   */
  function dropConnection(name: string): void {
    const state = states.get(name);
    const client = state?.client;
    if (!state || !client) return;
    state.client = undefined;
    void client.close().catch(() => undefined);
  }

  const assertOpen = (): void => {
    if (closed) throw new MCPClientError("the MCP client is closed", { code: MCP_CLIENT_ERROR_CODES.closed });
  };

  const fingerprintNow = async (state: ServerState): Promise<string> => {
    const tokens = await options.tokens.get(state.key);
    return tokens ? fingerprintToken(tokens.accessToken) : NO_TOKEN;
  };

  const prepareElicitation =
    (state: ServerState, listener: UrlElicitationListener) =>
    (client: Client): void =>
      installUrlElicitation(client, {
        serverName: state.name,
        resource: state.info.resource,
        subject: options.subject,
        bus: options.bus,
        listener,
      });

  const ensureConnected = (state: ServerState): Promise<Client> => {
    assertOpen();
    if (state.client) return Promise.resolve(state.client);
    state.connecting ??= connectServer({
      serverName: state.name,
      url: state.config.url,
      transport: state.config.transport ?? "auto",
      fetch: state.fetch,
      clientInfo,
      ...(options.elicitations ? { prepare: prepareElicitation(state, options.elicitations) } : {}),
    })
      .then(async (client) => {
        if (closed) {
          await client.close().catch(() => undefined);
          assertOpen();
        }
        state.client = client;
        client.onclose = () => {
          if (state.client === client) state.client = undefined;
        };
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          state.tools = undefined;
        });
        return client;
      })
      .finally(() => {
        state.connecting = undefined;
      });
    return state.connecting;
  };

  /** What `loadMcpTools` sees as the client: it always reaches the current connection. */
  const facadeOf = (state: ServerState): Client => {
    // Each request gets its own signal: the SDK never removes the abort listener it adds, and the
    // caller's (a LangGraph run's) would keep the run alive (see ./request-signal.ts).
    const facade = {
      listTools: async (params?: ListToolsParams, options?: RequestOptions) =>
        requestWithOwnSignal(options, async (own) => (await ensureConnected(state)).listTools(params, own)),
      callTool: async (params: CallToolParams, schema?: CallToolSchema, options?: RequestOptions) =>
        requestWithOwnSignal(options, async (own) =>
          (await ensureConnected(state)).callTool(params, schema, own),
        ),
      readResource: async (params: ReadResourceParams, options?: RequestOptions) =>
        requestWithOwnSignal(options, async (own) =>
          (await ensureConnected(state)).readResource(params, own),
        ),
    };
    return facade as unknown as Client;
  };

  /** Runs each of the server's tools inside the tool call's callId and recovers its challenge. */
  const wrapTool = (tool: DynamicStructuredTool): DynamicStructuredTool => {
    const original = tool.func;
    tool.func = ((args, runManager, config) => {
      const run = () => withChallengeCapture(() => Promise.resolve(original(args, runManager, config)));
      const callId = toolCallIdOf(config);
      return callId ? runWithCallId(callId, run) : run();
    }) as typeof tool.func;
    return tool;
  };

  const loadTools = (state: ServerState): Promise<DynamicStructuredTool[]> => {
    if (state.tools) return Promise.resolve(state.tools);
    state.loading ??= withChallengeCapture(async () => {
      await ensureConnected(state);
      const tools = await loadMcpTools(state.name, facadeOf(state), {
        ...options.loadToolsOptions,
        throwOnLoadError: true,
      });
      return tools.map(wrapTool);
    })
      .then((tools) => {
        state.tools = tools;
        state.remembered = tools.map((tool) => ({ name: tool.name, description: tool.description }));
        state.catalogRead = true;
        // Best effort: a catalog that cannot be written only loses a description.
        options.toolCatalog?.save(state.name, state.remembered).catch(() => undefined);
        state.challenge = undefined;
        return tools;
      })
      .finally(() => {
        state.loading = undefined;
      });
    return state.loading;
  };

  /** Tries to connect and list; a challenge is remembered with the token it was made with. */
  const attempt = async (state: ServerState): Promise<DynamicStructuredTool[]> => {
    const fingerprint = await fingerprintNow(state);
    try {
      return await loadTools(state);
    } catch (error) {
      if (isAuthChallengeError(error)) state.challenge = { error, fingerprint };
      throw error;
    }
  };

  const rememberFromCatalog = async (state: ServerState): Promise<void> => {
    if (state.catalogRead || !options.toolCatalog) return;
    state.catalogRead = true;
    try {
      state.remembered ??= await options.toolCatalog.load(state.name);
    } catch {
      // A catalog that cannot be read leaves the configured description.
    }
  };

  const connectToolOf = (state: ServerState): DynamicStructuredTool => {
    const description = describeConnectTool(state.name, state.config.description, state.remembered);
    if (state.connectTool?.description === description) return state.connectTool;
    state.connectTool = createConnectTool(state.name, description, async (callId) => {
      const run = async () => (await attempt(state)).map((tool) => tool.name);
      return callId ? runWithCallId(callId, run) : run();
    });
    return state.connectTool;
  };

  const toolsOf = async (state: ServerState): Promise<DynamicStructuredTool[]> => {
    if (state.tools) return state.tools;
    // A server that challenged is tried again only once the stored token has changed.
    if (onUnauthorized === "connect-tool" && state.challenge) {
      if ((await fingerprintNow(state)) === state.challenge.fingerprint) {
        await rememberFromCatalog(state);
        return [connectToolOf(state)];
      }
    }
    try {
      return await attempt(state);
    } catch (error) {
      if (isAuthChallengeError(error) && onUnauthorized === "connect-tool") {
        await rememberFromCatalog(state);
        return [connectToolOf(state)];
      }
      throw error;
    }
  };

  const servers: Record<string, MCPServerInfo> = {};
  for (const [name, state] of states) servers[name] = Object.freeze({ ...state.info });

  return {
    servers: Object.freeze(servers),

    async getTools() {
      assertOpen();
      const list = [...states.values()];
      const results = await Promise.allSettled(list.map((state) => toolsOf(state)));
      let reachable = 0;
      for (const [index, result] of results.entries()) {
        const state = list[index] as ServerState;
        if (result.status === "fulfilled") {
          reachable += 1;
          state.unreachable = undefined;
          continue;
        }
        // Only an unreachable server is left out, and only when stand-ins are wanted.
        const reason: unknown = result.reason;
        if (
          onUnauthorized === "throw" ||
          !isMCPClientError(reason) ||
          reason.code !== MCP_CLIENT_ERROR_CODES.connectFailed
        ) {
          throw reason;
        }
        state.unreachable = reason;
      }
      if (reachable === 0 && list.length > 0) {
        throw (results.find((result) => result.status === "rejected") as PromiseRejectedResult).reason;
      }
      const tools: DynamicStructuredTool[] = [];
      const names = new Map<string, string>();
      for (const [index, result] of results.entries()) {
        const state = list[index] as ServerState;
        if (result.status === "rejected") continue;
        for (const tool of result.value) {
          const other = names.get(tool.name);
          if (other !== undefined) {
            throw new MCPClientError(
              `servers "${other}" and "${state.name}" both have a tool named "${tool.name}"; set loadToolsOptions.prefixToolNameWithServerName`,
              { code: MCP_CLIENT_ERROR_CODES.toolNameCollision, serverName: state.name },
            );
          }
          names.set(tool.name, state.name);
          tools.push(tool);
          toolServers.set(tool.name, {
            serverName: state.name,
            resource: state.info.resource,
            connectTool: tool === state.connectTool,
          });
        }
      }
      return tools;
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
      const clients = [...states.values()].flatMap((state) => (state.client ? [state.client] : []));
      for (const state of states.values()) {
        state.client = undefined;
        state.tools = undefined;
      }
      await Promise.allSettled(clients.map((client) => client.close()));
    },
  };
}
