/** @module `createAgent` middleware: offer each server's current tools and pause for consent. */
import { createMiddleware } from "langchain";
import { type AuthClientOptions, createClientToolCaller } from "../client/client-tool-caller.js";

/** Options of {@link authInterruptMiddleware}. */
export type AuthInterruptMiddlewareOptions = AuthClientOptions;

function nameOf(tool: unknown): string | undefined {
  const name = (tool as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

/**
 * Middleware for langchain's `createAgent` that does what {@link withAuthInterrupts} does,
 * for the client's tools, and keeps the offered tools current:
 *
 * - `wrapModelCall` sets `request.tools` from `client.getTools()` on every model call, so a
 *   new user's `connect_<server>` stand-in is offered first and the server's real tools
 *   replace it right after consent, in the same run. Tools given to `createAgent` that are not
 *   the client's stay.
 * - `wrapToolCall` supplies `request.tool` for tools that appeared mid-run, and turns a call
 *   needing consent into `interrupt({ type: "authbus/consent_required", … })`. Resumed with
 *   `resumeConsent()`: `granted` makes the call again; for a stand-in it answers with the
 *   server's new tools. `denied` / `expired` answer with an error ToolMessage. One consent
 *   round per call. Calls to other tools pass through.
 *
 * Control flow: re-throws LangGraph's `GraphInterrupt` (the pause); the agent needs a
 * checkpointer. A failing `client.getTools()` fails the model call.
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
  const caller = createClientToolCaller(options);
  return createMiddleware({
    name: "AuthInterruptMiddleware",
    wrapModelCall: async (request, handler) => {
      const current = await caller.refresh();
      const others = request.tools.filter((tool) => {
        const name = nameOf(tool);
        return name === undefined || !caller.owns(name);
      });
      return handler({ ...request, tools: [...others, ...current] });
    },
    wrapToolCall: async (request, handler) => {
      // A tool unknown to the agent may be one the client listed after this process started.
      if (!caller.owns(request.toolCall.name) && !request.tool) await caller.refresh();
      if (!caller.owns(request.toolCall.name)) return handler(request);
      return caller.call(request.toolCall, async (tool) => handler(tool ? { ...request, tool } : request));
    },
  });
}
