/**
 * @module One tool call with at most one URL-elicitation round (MCP 2025-11-25): the server asks
 * the person to open a URL of its own, the graph pauses on it as on any consent, and the call
 * goes on (or is made once more) when the person is done.
 */
import type { ConsentOutcome } from "@authbus/core";
import {
  runWithElicitationScope,
  type UrlElicitationConsent,
  type UrlElicitationRequest,
} from "@authbus/mcp";
import { isGraphInterrupt } from "@langchain/langgraph";
import type { ToolServerResolver } from "../consent/consent-types.js";
import { describeConsentOutcome } from "../consent/describe-outcome.js";
import {
  type ElicitationAskContext,
  pauseOnElicitation,
  takeElicitationAnswer,
} from "./ask-for-url-elicitation.js";
import { createElicitationGate, type ElicitationGate } from "./elicitation-gate.js";

/** What {@link callWithUrlElicitation} needs. */
export interface ElicitationCallContext extends ElicitationAskContext {
  serverFor?: ToolServerResolver | undefined;
}

/** One call to make (the shape `callWithConsent` takes). */
export interface ElicitationCall<T> {
  toolName: string;
  callId: string;
  attempt: () => Promise<T>;
  isFailure?: ((result: T) => boolean) | undefined;
}

/** How a call ended (the shape `callWithConsent` returns). */
export type ElicitationCallResult<T> =
  | { kind: "result"; value: T }
  | {
      kind: "refused";
      outcome: Exclude<ConsentOutcome, "granted"> | "still_refused";
      serverName: string;
      message: string;
    };

/** Makes the call through the consent layer with `attempt` in place of the call's own. */
export type InnerCall<T> = (attempt: () => Promise<T>) => Promise<ElicitationCallResult<T>>;

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

function settle<R>(promise: Promise<R>): Promise<Settled<R>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unwrap<R>(settled: Settled<R>): R {
  if (settled.ok) return settled.value;
  throw settled.error;
}

function failed<T>(call: ElicitationCall<T>, settled: Settled<ElicitationCallResult<T>>): boolean {
  if (!settled.ok) return true;
  return settled.value.kind === "result" && (call.isFailure?.(settled.value.value) ?? false);
}

function scoped<T>(gate: ElicitationGate, call: ElicitationCall<T>): () => Promise<T> {
  return () => runWithElicitationScope(gate.scope, call.attempt);
}

/**
 * After the person answered: `granted` lets the call that waited go on (its server's
 * `elicitation/create` is answered `accept`) or, when no call waits in this process (the -32042
 * form, a restart, a call that timed out meanwhile), makes the call once more; a server that
 * still asks for an elicitation then gets `cancel` and the call ends `still_refused`. `denied`
 * and `expired` answer `decline` / `cancel` and end the call with a message for the model.
 */
async function afterAnswer<T>(
  context: ElicitationCallContext,
  call: ElicitationCall<T>,
  inner: InnerCall<T>,
  consentId: string,
  outcome: ConsentOutcome,
  serverName: string,
): Promise<ElicitationCallResult<T>> {
  const held = context.elicitations.take(consentId);
  if (outcome !== "granted") {
    held?.answer(outcome === "denied" ? "decline" : "cancel");
    return {
      kind: "refused",
      outcome,
      serverName,
      message: describeConsentOutcome(outcome, serverName, call.toolName),
    };
  }
  if (held?.call) {
    held.answer("accept");
    const settled = await settle(held.call as Promise<ElicitationCallResult<T>>);
    if (!failed(call, settled)) return unwrap(settled);
  }
  // Made once more; the server has what it asked the person for, or it is refused.
  const gate = createElicitationGate({ subject: context.subject, refuseAll: true });
  const again = await settle(inner(scoped(gate, call)));
  if (!again.ok && isGraphInterrupt(again.error)) throw again.error;
  if (gate.wanted && failed(call, again)) {
    return {
      kind: "refused",
      outcome: "still_refused",
      serverName,
      message: describeConsentOutcome(
        "still_refused",
        serverName,
        call.toolName,
        "it still asks for the same",
      ),
    };
  }
  return unwrap(again);
}

/**
 * Makes one tool call (through `inner`, the consent layer) and, when its MCP server asks the
 * person to open a URL (URL-mode elicitation, MCP 2025-11-25), begins a consent of channel
 * `elicitation` and pauses the graph on it with `interrupt({ type: "authbus/consent_required",
 * channel: "elicitation", elicitationId, authorizationUrl: <the server's URL>, … })`. Both forms:
 *
 * - `elicitation/create` (`mode: "url"`) during the call: the call is held (in this process)
 *   with the server's request unanswered; on `granted` the request is answered `accept` and
 *   the held call's result is the call's;
 * - a -32042 "URL elicitation required" error: on `granted` the call is made once more.
 *
 * The graph is resumed with `resumeConsent()` like any consent; the app does that when the
 * server sends `notifications/elicitation/complete` (`elicitation.completed` on the bus) or the
 * person says they are done. `denied` / `expired` end the call with a message for the model.
 * One elicitation round per call. A task should run one such call (`createAgent` gives each
 * tool call its own task): LangGraph matches a task's interrupts by order.
 *
 * Control flow: throws `GraphInterrupt` to pause (re-throw it).
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 * @throws {AuthResumeError} when resumed with a value that answers another subject's consent.
 */
export async function callWithUrlElicitation<T>(
  context: ElicitationCallContext,
  call: ElicitationCall<T>,
  inner: InnerCall<T>,
): Promise<ElicitationCallResult<T>> {
  const serverName = context.serverFor?.(call.toolName)?.serverName;
  const found = await takeElicitationAnswer(context, call.callId, serverName);
  if (found) {
    const { resume, view } = found;
    return afterAnswer(context, call, inner, resume.consentId, resume.outcome, view.serverName);
  }

  const gate = createElicitationGate({ subject: context.subject });
  const running = inner(scoped(gate, call));
  const first = await Promise.race([settle(running), gate.asked]);
  let consent: UrlElicitationConsent;
  if ("request" in first) {
    // The server waits inside the call for the person: hold the call, pause the graph.
    consent = await begin(context, call, first.request);
    context.elicitations.hold(consent.consentId, {
      answer: (action) => first.answer(action, consent.consentId),
      call: running,
    });
    running.catch(() => undefined);
  } else {
    if (!first.ok && isGraphInterrupt(first.error)) throw first.error;
    const [required] = gate.required;
    if (!required || !failed(call, first)) return unwrap(first);
    // -32042: the server refused the call until the person has been there.
    consent = await begin(context, call, required);
  }
  const resume = await pauseOnElicitation(context, consent, call.callId);
  return afterAnswer(context, call, inner, resume.consentId, resume.outcome, consent.serverName);
}

function begin<T>(
  context: ElicitationCallContext,
  call: ElicitationCall<T>,
  request: UrlElicitationRequest,
): Promise<UrlElicitationConsent> {
  return context.elicitations.begin({ request, callId: call.callId });
}
