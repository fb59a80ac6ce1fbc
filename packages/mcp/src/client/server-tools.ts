/**
 * @module One server's tools: listed through its connection and run inside the tool call's id, or
 * — after a challenge, until the stored token changes — a `connect_<server>` stand-in.
 */
import { fingerprintToken, isAuthbusError } from "@authbus/core";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import { loadMcpTools } from "@langchain/mcp-adapters";
import { runWithCallId, toolCallIdOf } from "../call-context/call-id.js";
import { withChallengeCapture } from "./challenge-capture.js";
import { createConnectTool, describeConnectTool } from "./connect-tool.js";
import { ensureConnected, facadeOf } from "./server-connection.js";
import type { ClientContext, ServerState } from "./server-state.js";

const NO_TOKEN = "none";

const fingerprintNow = async (state: ServerState, context: ClientContext): Promise<string> => {
  const tokens = await context.options.tokens.get(state.key);
  return tokens ? fingerprintToken(tokens.accessToken) : NO_TOKEN;
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

/** Connects and lists the server's tools (one listing at a time); a listing is remembered in the catalog. */
const loadTools = (state: ServerState, context: ClientContext): Promise<DynamicStructuredTool[]> => {
  if (state.tools) return Promise.resolve(state.tools);
  const { options } = context;
  state.loading ??= withChallengeCapture(async () => {
    await ensureConnected(state, context);
    const tools = await loadMcpTools(state.name, facadeOf(state, context), {
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
const attempt = async (state: ServerState, context: ClientContext): Promise<DynamicStructuredTool[]> => {
  const fingerprint = await fingerprintNow(state, context);
  try {
    return await loadTools(state, context);
  } catch (error) {
    if (isAuthbusError(error, "AUTH_CHALLENGE")) state.challenge = { error, fingerprint };
    throw error;
  }
};

const rememberFromCatalog = async (state: ServerState, context: ClientContext): Promise<void> => {
  const catalog = context.options.toolCatalog;
  if (state.catalogRead || !catalog) return;
  state.catalogRead = true;
  try {
    state.remembered ??= await catalog.load(state.name);
  } catch {
    // A catalog that cannot be read leaves the configured description.
  }
};

/** The stand-in tool, described by the server's remembered tools; calling it connects and lists. */
const connectToolOf = async (state: ServerState, context: ClientContext): Promise<DynamicStructuredTool> => {
  await rememberFromCatalog(state, context);
  const description = describeConnectTool(state.name, state.config.description, state.remembered);
  if (state.connectTool?.description === description) return state.connectTool;
  state.connectTool = createConnectTool(state.name, description, async (callId) => {
    const run = async () => (await attempt(state, context)).map((tool) => tool.name);
    return callId ? runWithCallId(callId, run) : run();
  });
  return state.connectTool;
};

/**
 * The server's tools for `getTools()`. With `onUnauthorized: "connect-tool"`, a server that
 * challenged is offered as its stand-in, and tried again only once the stored token changed.
 *
 * @throws {AuthChallengeError} with `onUnauthorized: "throw"`; {@link MCPClientError} when it cannot connect.
 */
export async function toolsOf(state: ServerState, context: ClientContext): Promise<DynamicStructuredTool[]> {
  if (state.tools) return state.tools;
  const standIn = context.onUnauthorized === "connect-tool";
  // A server that challenged is tried again only once the stored token has changed.
  if (standIn && state.challenge) {
    if ((await fingerprintNow(state, context)) === state.challenge.fingerprint) {
      return [await connectToolOf(state, context)];
    }
  }
  try {
    return await attempt(state, context);
  } catch (error) {
    if (isAuthbusError(error, "AUTH_CHALLENGE") && standIn) return [await connectToolOf(state, context)];
    throw error;
  }
}
