/** @module The tool call a request belongs to, carried through async work with AsyncLocalStorage. */
import { AsyncLocalStorage } from "node:async_hooks";

const callIds = new AsyncLocalStorage<string>();

/**
 * Runs `fn` with `callId` as the current tool call id. Every bus event emitted by
 * {@link authFetch} inside `fn` (and inside any async work it starts) carries this `callId`,
 * so the challenges of parallel tool calls are told apart.
 *
 * @see https://nodejs.org/api/async_context.html#class-asynclocalstorage
 * @example
 * const result = await runWithCallId(toolCall.id, () => tool.invoke(toolCall.args));
 */
export function runWithCallId<T>(callId: string, fn: () => T): T {
  return callIds.run(callId, fn);
}

/**
 * The tool call id set by the nearest enclosing {@link runWithCallId}, or `undefined` outside one.
 *
 * @see https://nodejs.org/api/async_context.html#class-asynclocalstorage
 * @example
 * bus.emit("request.retried", { ...where, ...(currentCallId() ? { callId: currentCallId() } : {}) });
 */
export function currentCallId(): string | undefined {
  return callIds.getStore();
}

/**
 * The id of the tool call a LangChain tool is running for: `config.toolCall.id`, which
 * `@langchain/core` sets when a tool is invoked with a `ToolCall`.
 *
 * @see https://v03.api.js.langchain.com/classes/_langchain_core.tools.StructuredTool.html#invoke
 * @example
 * const callId = toolCallIdOf(config); // "call_abc123"
 */
export function toolCallIdOf(config: unknown): string | undefined {
  const id = (config as { toolCall?: { id?: unknown } } | undefined)?.toolCall?.id;
  return typeof id === "string" && id !== "" ? id : undefined;
}
