/**
 * @module One server's connection: connected once however many ask, reconnected after it closes,
 * dropped on a background challenge, and the client facade `loadMcpTools` calls through.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import {
  installUrlElicitation,
  type UrlElicitationListener,
} from "../elicitation/install-url-elicitation.js";
import { connectServer } from "./connect-server.js";
import { requestWithOwnSignal } from "./request-signal.js";
import { assertOpen, type ClientContext, type ServerState } from "./server-state.js";

// The SDK client's request signatures, for the facade that `loadMcpTools` calls.
type CallToolParams = Parameters<Client["callTool"]>[0];
type CallToolSchema = Parameters<Client["callTool"]>[1];
type RequestOptions = Parameters<Client["callTool"]>[2];
type ListToolsParams = Parameters<Client["listTools"]>[0];
type ReadResourceParams = Parameters<Client["readResource"]>[0];

const prepareElicitation =
  (state: ServerState, context: ClientContext, listener: UrlElicitationListener) =>
  (client: Client): void =>
    installUrlElicitation(client, {
      serverName: state.name,
      resource: state.info.resource,
      subject: context.options.subject,
      bus: context.options.bus,
      listener,
    });

/**
 * The server's connection, connecting it when there is none (one attempt at a time). A tool
 * list change forgets the listed tools.
 *
 * @throws {AuthChallengeError} when the server challenges; {@link MCPClientError} `MCP_CONNECT_FAILED`, `MCP_CLIENT_CLOSED`.
 */
export function ensureConnected(state: ServerState, context: ClientContext): Promise<Client> {
  assertOpen(context);
  if (state.client) return Promise.resolve(state.client);
  const { elicitations } = context.options;
  state.connecting ??= connectServer({
    serverName: state.name,
    url: state.config.url,
    transport: state.config.transport ?? "auto",
    fetch: state.fetch,
    clientInfo: context.clientInfo,
    ...(elicitations ? { prepare: prepareElicitation(state, context, elicitations) } : {}),
  })
    .then(async (client) => {
      if (context.isClosed()) {
        await client.close().catch(() => undefined);
        assertOpen(context);
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
}

/**
 * A challenge no operation waits for came from a transport's background request (an SSE stream
 * reconnecting with a token that no longer works). The connection is closed so it does not
 * knock again every few seconds; the next call or `getTools()` connects anew.
 */
export function dropConnection(state: ServerState): void {
  const client = state.client;
  if (!client) return;
  state.client = undefined;
  void client.close().catch(() => undefined);
}

/** Closes every server's connection and forgets their tools. */
export async function closeConnections(states: Iterable<ServerState>): Promise<void> {
  const list = [...states];
  const clients = list.flatMap((state) => (state.client ? [state.client] : []));
  for (const state of list) {
    state.client = undefined;
    state.tools = undefined;
  }
  await Promise.allSettled(clients.map((client) => client.close()));
}

/** What `loadMcpTools` sees as the client: it always reaches the current connection. */
export function facadeOf(state: ServerState, context: ClientContext): Client {
  const connected = () => ensureConnected(state, context);
  // Each request gets its own signal: the SDK never removes the abort listener it adds, and the
  // caller's (a LangGraph run's) would keep the run alive (see ./request-signal.ts).
  const facade = {
    listTools: async (params?: ListToolsParams, options?: RequestOptions) =>
      requestWithOwnSignal(options, async (own) => (await connected()).listTools(params, own)),
    callTool: async (params: CallToolParams, schema?: CallToolSchema, options?: RequestOptions) =>
      requestWithOwnSignal(options, async (own) => (await connected()).callTool(params, schema, own)),
    readResource: async (params: ReadResourceParams, options?: RequestOptions) =>
      requestWithOwnSignal(options, async (own) => (await connected()).readResource(params, own)),
  };
  return facade as unknown as Client;
}
