/** @module Calls to an MCP client's current tools, with consent: shared by the middleware and the tool node. */
import type { AuthBus, TokenStore } from "@authbus/core";
import { ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { ConsentBeginner, ConsentLookup } from "../consent/consent-types.js";
import { toToolServer } from "../consent/resolve-server.js";
import { type CallIdRunner, callWithConsent } from "../tools/call-with-consent.js";
import { createConsentCallContext } from "../tools/with-auth-interrupts.js";

/** The part of `createMCPClient()` this package uses. */
export interface AuthToolClient {
  /** The current tools: stand-ins `connect_<server>` for servers that still refuse to list theirs. */
  getTools(): Promise<StructuredToolInterface[]>;
  /** The server behind a tool: `{ serverName, resource, connectTool? }` (or `{ name, url }`), or `undefined`. */
  serverFor(toolName: string): unknown;
}

/** Options shared by {@link authInterruptMiddleware} and {@link authToolNode}. */
export interface AuthClientOptions {
  client: AuthToolClient;
  bus: AuthBus;
  consents: ConsentBeginner;
  subject: string;
  /** A call whose resource holds no token interrupts before calling the server. */
  tokens?: TokenStore;
  /** Checks resume values answer a consent of this subject and resource (default: `consents.get`). */
  consentLookup?: ConsentLookup;
  /** Default: `runWithCallId` of `@authbus/mcp`, so challenges on the bus are matched to calls. */
  runWithCallId?: CallIdRunner;
}

/** A tool call as a model emits it. */
export interface ToolCallLike {
  id?: string | undefined;
  name: string;
  args?: unknown;
}

/** What {@link createClientToolCaller} returns. */
export interface ClientToolCaller {
  /** Lists the client's tools now (and remembers their names). */
  refresh(): Promise<StructuredToolInterface[]>;
  /** Whether a tool name belongs to the client (listed now or earlier, or a known stand-in). */
  owns(name: string): boolean;
  /**
   * Calls the client's current tool named by `call` through `invoke`, with at most one consent
   * round. A stand-in that is gone (its server connected after consent) answers with the
   * server's new tools. Re-throws `GraphInterrupt`.
   */
  call<R>(
    call: ToolCallLike,
    invoke: (tool: StructuredToolInterface | undefined) => Promise<R>,
  ): Promise<R | ToolMessage>;
}

function isErrorMessage(value: unknown): boolean {
  return ToolMessage.isInstance(value) && value.status === "error";
}

function standInServer(client: AuthToolClient, name: string): string | undefined {
  const found = client.serverFor(name) as { connectTool?: unknown; serverName?: unknown } | undefined;
  if (found?.connectTool === true && typeof found.serverName === "string") return found.serverName;
  if (found?.connectTool === false) return undefined;
  return name.startsWith("connect_") ? toToolServer(found)?.serverName : undefined;
}

/** Builds the caller an agent (middleware) or a hand-built graph (tool node) uses. */
export function createClientToolCaller(options: AuthClientOptions): ClientToolCaller {
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
  const find = (name: string) => latest.find((tool) => tool.name === name);

  return {
    refresh,
    owns: (name) => owned.has(name) || toToolServer(client.serverFor(name)) !== undefined,
    async call(call, invoke) {
      const name = call.name;
      const callId = call.id ?? crypto.randomUUID();
      const attempt = async () => {
        // The latest tools, not those of the model call: after consent a stand-in is gone.
        await refresh();
        const tool = find(name);
        const server = tool ? undefined : standInServer(client, name);
        if (server === undefined) return invoke(tool);
        const offered = latest
          .map((candidate) => candidate.name)
          .filter((candidate) => toToolServer(client.serverFor(candidate))?.serverName === server);
        return new ToolMessage({
          content: `Connected to ${server}. Its tools are now available: ${offered.join(", ") || "(none listed)"}.`,
          tool_call_id: callId,
          name,
        });
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
  };
}
