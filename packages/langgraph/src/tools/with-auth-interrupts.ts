/** @module Wrap LangChain tools so that a call needing consent pauses the graph instead of failing. */
import type { AuthBus, ConsentWaitStore, TokenStore } from "@authbus/core";
import { runWithCallId, type UrlElicitations } from "@authbus/mcp";
import { ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { sharedBeginCoalescer } from "../consent/begin-coalescer.js";
import type { ConsentBeginner, ConsentLookup, ToolServerResolver } from "../consent/consent-types.js";
import { InterruptMemo } from "../interrupt/interrupt-memo.js";
import { readRunIdentity } from "../run/run-identity.js";
import { type CallIdRunner, type ConsentCallContext, callWithConsent } from "./call-with-consent.js";

/** Options of {@link withAuthInterrupts}. */
export interface AuthInterruptOptions {
  /** The bus the tools' `authFetch` emits on (challenges are matched to calls by call id). */
  bus: AuthBus;
  /** Starts consents: `createConsents()` from `@authbus/oauth`. */
  consents: ConsentBeginner;
  /** Whose tokens the calls use. */
  subject: string;
  /** With `serverFor`, a call whose resource has no token interrupts before calling the server. */
  tokens?: TokenStore;
  /** The server behind a tool (e.g. `(name) => client.serverFor(name)`). */
  serverFor?: ToolServerResolver;
  /** Checks a resume value answers a consent of this subject and resource (a `ConsentStore` fits). */
  consentLookup?: ConsentLookup;
  /** Sets the current call id for `authFetch`; default `runWithCallId` of `@authbus/mcp`. */
  runWithCallId?: CallIdRunner;
  /** Records which thread waits on which consent (`stores.waits`), so a restart can resume it. */
  waits?: ConsentWaitStore;
  /**
   * URL-mode elicitation (`createUrlElicitations()` of `@authbus/mcp`, also given to the MCP
   * client): a server asking the person to open its URL pauses the graph with a consent of
   * channel `elicitation`; resume it as any consent.
   */
  elicitations?: UrlElicitations;
}

interface ToolCallInput {
  id?: string;
  name: string;
  args: unknown;
  type?: string;
}

function isToolCallInput(input: unknown): input is ToolCallInput {
  return (
    typeof input === "object" &&
    input !== null &&
    (input as { type?: unknown }).type === "tool_call" &&
    typeof (input as { name?: unknown }).name === "string"
  );
}

function isErrorMessage(value: unknown): boolean {
  return ToolMessage.isInstance(value) && value.status === "error";
}

function lookupOf(consents: ConsentBeginner): ConsentLookup | undefined {
  const { get } = consents;
  return get ? { get: (consentId) => get.call(consents, consentId) } : undefined;
}

/** Builds the per-wrapper state shared by every call of the wrapped tools. */
export function createConsentCallContext(options: AuthInterruptOptions): ConsentCallContext {
  return {
    bus: options.bus,
    subject: options.subject,
    tokens: options.tokens,
    serverFor: options.serverFor,
    lookup: options.consentLookup ?? lookupOf(options.consents),
    coalescer: sharedBeginCoalescer(options.consents, options.bus),
    interruptedOn: new InterruptMemo(),
    runWithCallId: options.runWithCallId ?? runWithCallId,
    waits: options.waits,
    elicitations: options.elicitations,
  };
}

/**
 * Wraps LangChain tools (from `createMCPClient().getTools()`, or any tool whose requests go
 * through `authFetch`) so that, inside a `ToolNode` or a `createAgent` graph, a call that needs
 * a person's consent begins the consent and pauses the graph with
 * `interrupt({ type: "authbus/consent_required", … })`. Resumed with `resumeConsent()`:
 * `granted` makes the call again (the new token is in the TokenStore, never in the graph);
 * `denied` or `expired` returns an error ToolMessage the model can relay. At most one consent
 * round per call.
 *
 * The wrapped tools keep the originals' name, description and schema. For parallel calls,
 * dispatch each tool call as its own task (`Send`, as `createAgent` does): each then gets an
 * interrupt of its own, all answered by one `resumeConsent()`.
 *
 * Control flow: the tools throw LangGraph's `GraphInterrupt` to pause; `ToolNode` re-throws it.
 * A resume value that does not answer the call's consent throws `AuthResumeError` (which a
 * `ToolNode` with default `handleToolErrors` turns into an error ToolMessage).
 *
 * @see RFC 6750 §3.1 (insufficient_scope), RFC 9470 §3 (step-up), RFC 8707 (resource)
 * @see https://langchain-ai.github.io/langgraphjs/concepts/human_in_the_loop/ (interrupt and resume)
 * @example
 * const tools = withAuthInterrupts(await client.getTools(), {
 *   bus, consents, subject: "alice", tokens, serverFor: (name) => client.serverFor(name),
 * });
 * const graph = new StateGraph(MessagesAnnotation)
 *   .addNode("tools", new ToolNode(tools))
 *   // …
 *   .compile({ checkpointer });
 */
export function withAuthInterrupts<T extends StructuredToolInterface>(
  tools: readonly T[],
  options: AuthInterruptOptions,
): T[] {
  const context = createConsentCallContext(options);
  return tools.map((tool) => wrapTool(tool, context));
}

/** Wraps one tool with a shared context: used by {@link withAuthInterrupts} and the middleware. */
export function wrapTool<T extends StructuredToolInterface>(tool: T, context: ConsentCallContext): T {
  const wrapped = Object.create(tool) as T;
  const invoke = async (input: unknown, config?: unknown): Promise<unknown> => {
    const toolCall = isToolCallInput(input) ? input : undefined;
    const configured = (config as { toolCallId?: unknown } | undefined)?.toolCallId;
    const callId =
      toolCall?.id ??
      (typeof configured === "string" && configured !== "" ? configured : crypto.randomUUID());
    // The thread and session a pause is recorded under (the subject stays the wrapper's).
    const run = context.waits ? await readRunIdentity(config, context.subject) : undefined;
    const result = await callWithConsent(
      run ? { ...context, threadId: run.threadId, sessionDigest: run.sessionDigest } : context,
      {
        toolName: tool.name,
        callId,
        attempt: () => Reflect.apply(tool.invoke, tool, [input, config]) as Promise<unknown>,
        isFailure: isErrorMessage,
      },
    );
    if (result.kind === "result") return result.value;
    if (toolCall === undefined) return result.message;
    return new ToolMessage({
      content: result.message,
      tool_call_id: callId,
      name: tool.name,
      status: "error",
    });
  };
  Object.defineProperty(wrapped, "invoke", { value: invoke, writable: true, configurable: true });
  return wrapped;
}
