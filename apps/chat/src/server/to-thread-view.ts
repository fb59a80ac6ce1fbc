/** @module Turns a checkpointed agent state into what the page shows. */
import { type AuthInterrupt, authInterruptSchema } from "@authbus/core";
import { pendingAuthInterrupts } from "@authbus/langgraph";
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { ThreadView, ViewMessage } from "../shared/thread-view.js";
import { textOf } from "./message-text.js";

type Snapshot = Parameters<typeof pendingAuthInterrupts>[0];

/** One message of the agent's state as the page shows it (none for a system message); `index` is its place in the state. */
export function toViewMessage(message: BaseMessage, index: number): ViewMessage | undefined {
  const id = message.id ?? `m${index}`;
  if (HumanMessage.isInstance(message)) return { id, role: "user", text: textOf(message) };
  if (AIMessage.isInstance(message)) {
    const toolCalls = (message.tool_calls ?? []).map((call, callIndex) => ({
      id: call.id ?? `${id}-${callIndex}`,
      name: call.name,
    }));
    return { id, role: "assistant", text: textOf(message), ...(toolCalls.length ? { toolCalls } : {}) };
  }
  if (ToolMessage.isInstance(message)) {
    return {
      id,
      role: "tool",
      text: textOf(message),
      toolName: message.name ?? "tool",
      toolCallId: message.tool_call_id,
      ...(message.status === "error" ? { isError: true } : {}),
    };
  }
  return undefined;
}

/** Messages of the agent's state, as the page shows them. */
export function toViewMessages(messages: readonly BaseMessage[]): ViewMessage[] {
  return messages.flatMap((message, index) => toViewMessage(message, index) ?? []);
}

/** The consents a thread waits on, one per consent id however many calls share it. */
export function pendingConsents(snapshot: Snapshot): AuthInterrupt[] {
  const byConsent = new Map<string, AuthInterrupt>();
  for (const pending of pendingAuthInterrupts(snapshot)) {
    const parsed = authInterruptSchema.safeParse(pending.value);
    if (parsed.success && !byConsent.has(parsed.data.consentId))
      byConsent.set(parsed.data.consentId, parsed.data);
  }
  return [...byConsent.values()];
}

export function toThreadView(
  threadId: string,
  snapshot: Snapshot & { values?: unknown },
  running: boolean,
  error: string | undefined,
): ThreadView {
  const values = (snapshot.values ?? {}) as { messages?: BaseMessage[] };
  return {
    threadId,
    running,
    messages: toViewMessages(values.messages ?? []),
    pending: pendingConsents(snapshot),
    ...(error ? { error } : {}),
  };
}
