/** @module One tool call with at most one consent round: the algorithm both integrations share. */
import {
  type AuthBus,
  type AuthChallengeError,
  type AuthEvents,
  type ConsentOutcome,
  isAuthbusError,
  normalizeResource,
  type TokenKey,
  type TokenSet,
  type TokenStore,
} from "@authbus/core";
import { runWithTokensRead, type UrlElicitations } from "@authbus/mcp";
import { isGraphInterrupt } from "@langchain/langgraph";
import type { ConsentChallenge, ToolServer, ToolServerResolver } from "../consent/consent-types.js";
import { describeConsentOutcome } from "../consent/describe-outcome.js";
import { callWithUrlElicitation } from "../elicitation/call-with-url-elicitation.js";
import { type AskContext, askForConsent, type ConsentNeed } from "../interrupt/ask-for-consent.js";

/** Runs `fn` with `callId` as the current tool call, so authFetch tags its events with it. */
export type CallIdRunner = <T>(callId: string, fn: () => Promise<T>) => Promise<T>;

/** Everything {@link callWithConsent} needs, built once per wrapper or middleware. */
export interface ConsentCallContext extends AskContext {
  bus: AuthBus;
  tokens?: TokenStore | undefined;
  serverFor?: ToolServerResolver | undefined;
  runWithCallId: CallIdRunner;
  /** URL-mode elicitation: with it, a server asking the person to open its URL pauses the graph too. */
  elicitations?: UrlElicitations | undefined;
}

/** One call to make. */
export interface ConsentCall<T> {
  toolName: string;
  callId: string;
  /** Makes the call; called at most twice (before and after one consent). */
  attempt: () => Promise<T>;
  /** Tells a result that reports a failure (an error `ToolMessage`), to look at the bus then. */
  isFailure?: (result: T) => boolean;
  /** Called when an attempt was refused for want of consent: the server did not run the tool. */
  refused?: () => Promise<void>;
}

/** How a call ended. */
export type ConsentCallResult<T> =
  | { kind: "result"; value: T }
  | {
      kind: "refused";
      outcome: Exclude<ConsentOutcome, "granted"> | "still_refused";
      serverName: string;
      message: string;
    };

// RFC 6750 §3.1 and RFC 9470 §3: the 403 errors a person can fix by consenting again.
const consentErrors = new Set(["insufficient_scope", "insufficient_user_authentication"]);

/** Whether a challenge needs a person: any 401 (authFetch has already tried a refresh), or a 403 asking for more. */
function needsPerson(challenge: ConsentChallenge): boolean {
  if (challenge.status === 401) return true;
  return challenge.status === 403 && consentErrors.has(challenge.oauth?.error ?? "");
}

/**
 * A refresh that failed for a passing reason (the authorization server unreachable or 5xx) is
 * not the person's to fix: asking for consent then would show a card during an outage.
 */
function failedRefreshIsTransient(challenge: AuthChallengeError): boolean {
  const cause: unknown = challenge.cause;
  // A service client's grant failing is the app's configuration to fix, never a person's consent.
  if (isAuthbusError(cause, "GRANT_FAILED")) return true;
  // `@authbus/oauth`'s errors are recognised by code alone: this package does not depend on it.
  return (
    isAuthbusError(cause, "REFRESH_FAILED") &&
    (cause as { consentRequired?: unknown }).consentRequired !== true
  );
}

function findChallengeError(error: unknown): AuthChallengeError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    if (isAuthbusError(current, "AUTH_CHALLENGE")) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the server";
  }
}

function resourceOf(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
  } catch {
    return url;
  }
}

function sameResource(a: string, b: string): boolean {
  try {
    return normalizeResource(a) === normalizeResource(b);
  } catch {
    return a === b;
  }
}

type Seen = AuthEvents["challenge"];

type Observed<T> = ({ ok: true; value: T } | { ok: false; error: unknown }) & {
  seen: Seen[];
  /** Resources whose silent refresh the authorization server refused during the call. */
  refreshFailed: string[];
};

/** Tokens the call read from the store before its attempt. */
interface HeldTokens {
  key: TokenKey;
  tokens: TokenSet;
}

/**
 * Watches the bus for challenges of one call while it runs. With `held`, the attempt's first
 * request uses those tokens instead of reading the store again (see `runWithTokensRead`).
 */
async function observe<T>(
  context: ConsentCallContext,
  call: ConsentCall<T>,
  held?: HeldTokens,
): Promise<Observed<T>> {
  const seen: Seen[] = [];
  const onChallenge = (event: Seen): void => {
    if (event.callId === call.callId && event.subject === context.subject) seen.push(event);
  };
  const refreshFailed: string[] = [];
  // A refresh is single-flight per (subject, resource) and may run outside the call's context,
  // so a failure without a call id counts for every call to that resource that saw it.
  const onRefreshFailed = (event: AuthEvents["token.refresh_failed"]): void => {
    if (event.subject !== context.subject) return;
    if (event.callId === undefined || event.callId === call.callId) refreshFailed.push(event.resource);
  };
  context.bus.on("challenge", onChallenge);
  context.bus.on("token.refresh_failed", onRefreshFailed);
  try {
    const attempt = held ? () => runWithTokensRead(held.key, held.tokens, call.attempt) : call.attempt;
    const value = await context.runWithCallId(call.callId, attempt);
    return { ok: true, value, seen, refreshFailed };
  } catch (error) {
    return { ok: false, error, seen, refreshFailed };
  } finally {
    context.bus.off("challenge", onChallenge);
    context.bus.off("token.refresh_failed", onRefreshFailed);
  }
}

function needFrom(
  outcome: Observed<unknown>,
  failed: boolean,
  server: ToolServer | undefined,
): ConsentNeed | undefined {
  const need = challengeNeed(outcome, failed, server);
  if (!need || !outcome.refreshFailed.some((resource) => sameResource(resource, need.resource))) return need;
  return { ...need, reason: "refresh_failed" };
}

function challengeNeed(
  outcome: Observed<unknown>,
  failed: boolean,
  server: ToolServer | undefined,
): ConsentNeed | undefined {
  if (!outcome.ok) {
    if (isGraphInterrupt(outcome.error)) throw outcome.error;
    const challengeError = findChallengeError(outcome.error);
    if (challengeError && needsPerson(challengeError) && !failedRefreshIsTransient(challengeError)) {
      return {
        serverName: server?.serverName ?? challengeError.serverName ?? hostOf(challengeError.url),
        resource: server?.resource ?? resourceOf(challengeError.url),
        challenge: challengeError,
        errorDescription: challengeError.oauth?.errorDescription,
      };
    }
  }
  if (!failed) return undefined;
  // The call failed without an AuthChallengeError (a client that swallows the cause); the
  // last challenge the bus saw for this call tells why.
  const last = outcome.seen.at(-1);
  if (last && needsPerson(last)) {
    return {
      serverName: server?.serverName ?? last.serverName,
      resource: server?.resource ?? last.resource,
      challenge: last,
      errorDescription: last.oauth?.errorDescription,
    };
  }
  return undefined;
}

/**
 * Makes one tool call, pausing the graph for consent when it needs a person: when no token is
 * held for the tool's resource (checked before calling), when the call rejects with an
 * `AuthChallengeError` that a refresh cannot fix, or when it fails and the bus saw such a
 * challenge for its call id. After the consent: `granted` makes the call once more; `denied`,
 * `expired`, or a second refusal end it with a message for the model. Never more than one
 * consent round per call.
 *
 * Control flow: re-throws `GraphInterrupt` (the pause); other errors of the call are
 * re-thrown unchanged.
 *
 * @throws {AuthResumeError} when resumed with a value that does not answer this call's consent.
 */
export async function callWithConsent<T>(
  context: ConsentCallContext,
  call: ConsentCall<T>,
): Promise<ConsentCallResult<T>> {
  if (context.elicitations) {
    // The elicitation round wraps the consent round (see ../elicitation).
    const { elicitations } = context;
    const consentOnly = { ...context, elicitations: undefined };
    return callWithUrlElicitation({ ...context, elicitations }, call, (attempt) =>
      callWithConsent(consentOnly, { ...call, attempt }),
    );
  }
  const server = context.serverFor?.(call.toolName);
  let need: ConsentNeed | undefined;
  let held: HeldTokens | undefined;
  if (server && context.tokens) {
    const key = { subject: context.subject, resource: normalizeResource(server.resource) };
    const tokens = await context.tokens.get(key);
    // Read once per call: the call's first request is sent with these.
    if (tokens) held = { key, tokens };
    // The refused connection's challenge (when the client kept it) says which scopes to ask for.
    else {
      need = server.challenge
        ? { serverName: server.serverName, resource: server.resource, challenge: server.challenge }
        : { serverName: server.serverName, resource: server.resource };
    }
  }
  if (!need) {
    const first = await observe(context, call, held);
    const failed = !first.ok || (call.isFailure?.(first.value) ?? false);
    need = needFrom(first, failed, server);
    if (!need) {
      if (first.ok) return { kind: "result", value: first.value };
      throw first.error;
    }
    await call.refused?.();
  }

  const resume = await askForConsent(context, { ...need, operation: call.toolName }, call.callId);
  if (resume.outcome !== "granted") {
    return {
      kind: "refused",
      outcome: resume.outcome,
      serverName: need.serverName,
      message: describeConsentOutcome(resume.outcome, need.serverName, call.toolName),
    };
  }

  const second = await observe(context, call);
  const failedAgain = !second.ok || (call.isFailure?.(second.value) ?? false);
  const stillNeeded = needFrom(second, failedAgain, server);
  if (stillNeeded) {
    await call.refused?.();
    const challengeError = second.ok ? undefined : findChallengeError(second.error);
    const detail = challengeError?.oauth?.error ?? second.seen.at(-1)?.oauth?.error;
    return {
      kind: "refused",
      outcome: "still_refused",
      serverName: need.serverName,
      message: describeConsentOutcome("still_refused", need.serverName, call.toolName, detail),
    };
  }
  if (second.ok) return { kind: "result", value: second.value };
  throw second.error;
}
