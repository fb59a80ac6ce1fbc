/** @module `createAgent` middleware: offer each server's current tools and pause for consent. */
import type { AuthBus, TokenStore } from "@authbus/core";
import { ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { createMiddleware } from "langchain";
import type { ConsentBeginner, ConsentLookup } from "../consent/consent-types.js";
import { toToolServer } from "../consent/resolve-server.js";
import type { CallIdRunner } from "../tools/call-with-consent.js";
import { callWithConsent } from "../tools/call-with-consent.js";
import { createConsentCallContext } from "../tools/with-auth-interrupts.js";

/** The part of `createMCPClient()` the middleware uses. */
export interface AuthToolClient {
  /** The current tools: stand-ins `connect_<server>` for servers that still refuse to list theirs. */
  getTools(): Promise<StructuredToolInterface[]>;
  /** The server behind a tool: `{ name | serverName, url | resource }`, or `undefined`. */
  serverFor(toolName: string): unknown;
}

/** Options of {@link authInterruptMiddleware}. */
export interface AuthInterruptMiddlewareOptions {
  client: AuthToolClient;
  bus: AuthBus;
  consents: ConsentBeginner;
  subject: string;
  /** A call whose resource holds no token interrupts before calling the server. */
  tokens?: TokenStore;
  /** Checks resume values answer a consent of this subject and resource (a `ConsentStore` fits). */
  consentLookup?: ConsentLookup;
  /** `runWithCallId` from `@authbus/mcp`, so challenges on the bus are matched to calls. */
  runWithCallId?: CallIdRunner;
}

const CONNECT_PREFIX = "connect_";

function nameOf(tool: unknown): string | undefined {
  const name = (tool as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

function isErrorMessage(value: unknown): boolean {
  return ToolMessage.isInstance(value) && value.status === "error";
}

/**
 * Middleware for langchain's `createAgent` that does what {@link withAuthInterrupts} does,
 * for the client's tools, and keeps the offered tools current:
 *
 * - `wrapModelCall` sets `request.tools` from `client.getTools()` on every model call, so a
 *   new user's `connect_<server>` stand-in is offered first and the server's real tools
 *   replace it right after consent, in the same run.
 * - `wrapToolCall` supplies `request.tool` for tools that appeared mid-run, and turns a call
 *   needing consent into `interrupt({ type: "authbus/consent_required", … })`. Resumed with
 *   `resumeConsent()`: `granted` makes the call again; for a stand-in it answers with the
 *   server's new tools. `denied` / `expired` answer with an error ToolMessage. One consent
 *   round per call.
 *
 * Control flow: re-throws LangGraph's `GraphInterrupt` (the pause); the agent needs a
 * checkpointer.
 *
 * @example
 * const agent = createAgent({
 *   model,
 *   tools: [],
 *   middleware: [authInterruptMiddleware({ client, bus, consents, subject: "alice", tokens })],
 *   checkpointer: SqliteSaver.fromConnString("checkpoints.db"),
 * });
 */
export function authInterruptMiddleware(options: AuthInterruptMiddlewareOptions) {
  const { client } = options;
  const context = createConsentCallContext({
    ...options,
    serverFor: (toolName) => toToolServer(client.serverFor(toolName)),
  });
  const owned = new Set<string>();
  let latest: StructuredToolInterface[] = [];

  const refresh = async (): Promise<StructuredToolInterface[]> => {
    latest = await client.getTools();
    for (const tool of latest) owned.add(tool.name);
    return latest;
  };

  const currentTool = async (name: string, fresh: boolean): Promise<StructuredToolInterface | undefined> => {
    const tools = fresh ? await refresh() : latest;
    return tools.find((tool) => tool.name === name);
  };

  return createMiddleware({
    name: "AuthInterruptMiddleware",
    wrapModelCall: async (request, handler) => {
      const current = await refresh();
      const others = request.tools.filter((tool) => {
        const name = nameOf(tool);
        return name === undefined || !owned.has(name);
      });
      return handler({ ...request, tools: [...others, ...current] });
    },
    wrapToolCall: async (request, handler) => {
      const name = request.toolCall.name;
      let tool = await currentTool(name, false);
      if (!tool && (owned.has(name) || !request.tool)) tool = await currentTool(name, true);
      // A stand-in may be gone already (a replay in a new process after consent): the client
      // still knows its server, and the attempt below answers with the server's new tools.
      if (!tool && toToolServer(client.serverFor(name)) === undefined) return handler(request);
      const callId = request.toolCall.id ?? crypto.randomUUID();
      const isStandIn = name.startsWith(CONNECT_PREFIX);
      const attempt = async (): Promise<ToolMessage | Awaited<ReturnType<typeof handler>>> => {
        // The latest tools, not the ones of the model call: after consent a stand-in is gone.
        const now = await currentTool(name, true);
        if (now) return handler({ ...request, tool: now });
        if (isStandIn) {
          const serverName = name.slice(CONNECT_PREFIX.length);
          const offered = latest
            .map((candidate) => candidate.name)
            .filter((candidate) => toToolServer(client.serverFor(candidate))?.serverName === serverName);
          return new ToolMessage({
            content: `Connected to ${serverName}. Its tools are now available: ${offered.join(", ") || "(none listed)"}.`,
            tool_call_id: callId,
            name,
          });
        }
        return handler(request);
      };
      const result = await callWithConsent(context, {
        toolName: name,
        callId,
        attempt,
        isFailure: isErrorMessage,
      });
      if (result.kind === "result") return result.value;
      return new ToolMessage({ content: result.message, tool_call_id: callId, name, status: "error" });
    },
  });
}
