/**
 * @module Tool calls recorded before they are made and after they end, so a task LangGraph
 * runs again (after a crash, or when its writes were lost) never makes a side-effecting call twice.
 */
import type { ConsentWaitStore, ToolCallKey, ToolCallResult, ToolCallStart } from "@authbus/core";
import { ToolMessage } from "@langchain/core/messages";

/** What the journal knows of a call before it is made. */
export type PriorCall =
  /** Never started, or refused before it reached the tool: make it. */
  | { kind: "new" }
  /** Finished: answer with what it answered, do not call again. */
  | { kind: "finished"; result: ToolCallResult }
  /** Started by a process that is gone, never finished: it may or may not have run. */
  | { kind: "abandoned"; repeatable: boolean };

/** The journal of one process over a {@link ConsentWaitStore}. */
export interface CallJournal {
  prior(key: ToolCallKey): Promise<PriorCall>;
  /** Marks a call as under way in this process (so it is not taken for abandoned). */
  enter(key: ToolCallKey): void;
  leave(key: ToolCallKey): void;
  /** Durable before the tool is called. */
  start(call: ToolCallStart): Promise<void>;
  finish(key: ToolCallKey, result: ToolCallResult): Promise<void>;
  /** The server refused the call before running it (a 401/403): there is nothing to remember. */
  drop(key: ToolCallKey): Promise<void>;
}

const keyOf = (key: ToolCallKey): string => JSON.stringify([key.threadId, key.taskId, key.callId]);

/** Creates the journal of this process: calls it has under way are live, others are a dead process's. */
export function createCallJournal(store: ConsentWaitStore, now: () => number = Date.now): CallJournal {
  const live = new Map<string, number>();
  return {
    async prior(key) {
      const found = await store.getCall(key);
      if (!found) return { kind: "new" };
      if (found.status === "finished" && found.result) return { kind: "finished", result: found.result };
      if (live.has(keyOf(key))) return { kind: "new" };
      return { kind: "abandoned", repeatable: found.repeatable };
    },
    enter(key) {
      const id = keyOf(key);
      live.set(id, (live.get(id) ?? 0) + 1);
    },
    leave(key) {
      const id = keyOf(key);
      const count = (live.get(id) ?? 1) - 1;
      if (count <= 0) live.delete(id);
      else live.set(id, count);
    },
    start: (call) => store.startCall(call),
    finish: (key, result) => store.finishCall(key, result, now()),
    drop: (key) => store.dropCall(key),
  };
}

/** Whether an MCP tool is safe to call again: its server marked it `readOnlyHint` or `idempotentHint`. */
export function isRepeatable(tool: unknown): boolean {
  const annotations = (tool as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata
    ?.annotations;
  return annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
}

/** What a call answered, as the journal keeps it (`undefined` for an answer that is not a tool message). */
export function toCallResult(value: unknown): ToolCallResult | undefined {
  if (typeof value === "string") return { content: value, status: "success" };
  if (!ToolMessage.isInstance(value)) return undefined;
  const content = JSON.parse(JSON.stringify(value.content ?? "")) as ToolCallResult["content"];
  return { content, status: value.status === "error" ? "error" : "success" };
}

/** The tool message a finished call answers its replay with. */
export function toToolMessage(result: ToolCallResult, callId: string, name: string): ToolMessage {
  return new ToolMessage({
    content: result.content as ToolMessage["content"],
    tool_call_id: callId,
    name,
    status: result.status,
  });
}

/**
 * The words a model gets for a call a dead process left open, when the tool is not safe to
 * repeat: it may have run, so it is not run again.
 */
export function describeInterruptedCall(toolName: string): string {
  return `The call to ${toolName} was interrupted (the app stopped while it ran) and was not retried, because it may already have taken effect. Tell the user it may or may not have happened; do not retry unless they ask.`;
}
