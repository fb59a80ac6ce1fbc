/** @module Send requests without the agent run's tracing context, so a pooled connection never keeps a run alive. */
import { outsideElicitationScope } from "../elicitation/elicitation-scope.js";

/**
 * Where LangChain and LangSmith keep the AsyncLocalStorage that carries a run's tracing context
 * (its `RunTree`, and through it the run's config and LangGraph's `PregelLoop`): a process-wide
 * key they share, read here so this package needs no runtime dependency on `@langchain/core`.
 */
const TRACING_STORAGE_KEY = Symbol.for("ls:tracing_async_local_storage");

interface ExitableStorage {
  exit<R>(fn: () => R): R;
}

function tracingStorage(): ExitableStorage | undefined {
  const storage = (globalThis as Record<symbol, unknown>)[TRACING_STORAGE_KEY];
  return typeof (storage as Partial<ExitableStorage> | undefined)?.exit === "function"
    ? (storage as ExitableStorage)
    : undefined;
}

/**
 * Calls `send` outside the current LangChain run's tracing context and the tool call's URL
 * elicitation scope (other async contexts, OpenTelemetry's and the tool call id's, are kept).
 *
 * A request may open a connection that stays in the HTTP client's pool after the request, and a
 * socket keeps the async context it was opened in. Opened inside an agent run, it would keep
 * that run's `RunTree`, config and state (the whole conversation so far) for as long as the
 * connection lives, one run per pooled connection. The request needs neither context: the
 * caller's code (the MCP SDK reading the response and routing a server's `elicitation/create`
 * to the scope) resumes in its own context after `await`.
 *
 * @example
 * const response = await outsideRunContext(() => fetch(url, init));
 * @throws Whatever `send` throws.
 */
export function outsideRunContext<T>(send: () => T): T {
  const storage = tracingStorage();
  // The elicitation scope holds the call's callbacks, and through them the run.
  return outsideElicitationScope(() => (storage ? storage.exit(send) : send()));
}
