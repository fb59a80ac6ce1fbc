/** @module A tool node for hand-built graphs that always calls the MCP client's current tools. */
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { isGraphInterrupt } from "@langchain/langgraph";
import { type AuthClientOptions, createClientToolCaller, type ToolCallLike } from "./client-tool-caller.js";

/** What the node accepts: a `Send` payload with `lg_tool_call`, or a state with messages. */
export type AuthToolNodeInput = { lg_tool_call?: ToolCallLike; messages?: BaseMessage[] };

function callsOf(input: AuthToolNodeInput): ToolCallLike[] {
  if (input.lg_tool_call) return [input.lg_tool_call];
  const messages = input.messages ?? [];
  const answered = new Set(
    messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).map((m) => m.tool_call_id),
  );
  const last = [...messages].reverse().find((m): m is AIMessage => AIMessage.isInstance(m));
  return (last?.tool_calls ?? []).filter((call) => call.id === undefined || !answered.has(call.id));
}

/**
 * A node for a hand-built `StateGraph` over `messages`: runs the tool calls of the last AI
 * message (or the one `Send` gives it) against `client.getTools()` as they are now, with the
 * consent interrupts of {@link withAuthInterrupts}. Unlike a `ToolNode` built once, it finds
 * tools that appeared after consent, and answers a `connect_<server>` call replayed after its
 * server connected (even in a new process) with the server's new tools. Errors other than the
 * pause become error ToolMessages, as in `ToolNode`.
 *
 * Pair it with a model node that binds `await client.getTools()` on every turn. Dispatch each
 * call with `Send` for one interrupt per call.
 *
 * Control flow: re-throws LangGraph's `GraphInterrupt`.
 *
 * @example
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode("model", async (state) => ({
 *     messages: [await model.bindTools(await client.getTools()).invoke(state.messages)],
 *   }))
 *   .addNode("tools", authToolNode({ client, bus, consents, subject: "alice", tokens }))
 *   .addEdge(START, "model")
 *   .addConditionalEdges("model", toolsCondition, ["tools", END])
 *   .addEdge("tools", "model")
 *   .compile({ checkpointer });
 */
export function authToolNode(
  options: AuthClientOptions,
): (input: AuthToolNodeInput, config: RunnableConfig) => Promise<{ messages: ToolMessage[] }> {
  const caller = createClientToolCaller(options);
  return async (input, config) => {
    const calls = callsOf(input);
    const messages = await Promise.all(
      calls.map(async (call) => {
        const callId = call.id ?? crypto.randomUUID();
        try {
          const message = await caller.call(
            { ...call, id: callId },
            async (tool) => {
              if (!tool) throw new Error(`tool ${call.name} is not offered by any server now`);
              return tool.invoke(
                { id: callId, name: call.name, args: call.args ?? {}, type: "tool_call" },
                config,
              );
            },
            config,
          );
          return ToolMessage.isInstance(message)
            ? message
            : new ToolMessage({ content: String(message), tool_call_id: callId, name: call.name });
        } catch (error) {
          if (isGraphInterrupt(error)) throw error;
          return new ToolMessage({
            content: `Error: ${error instanceof Error ? error.message : String(error)}`,
            tool_call_id: callId,
            name: call.name,
            status: "error",
          });
        }
      }),
    );
    return { messages };
  };
}
