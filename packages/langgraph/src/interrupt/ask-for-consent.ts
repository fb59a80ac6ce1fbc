/** @module Begin a consent and pause the graph on it, or, on replay, read how it ended. */
import {
  AUTH_INTERRUPT_TYPE,
  type AuthInterrupt,
  type AuthResume,
  authInterruptSchema,
  authResumeSchema,
  type ConsentReason,
  type ConsentWaitStore,
  normalizeResource,
} from "@authbus/core";
import { interrupt } from "@langchain/langgraph";
import type { BeginCoalescer } from "../consent/begin-coalescer.js";
import type { ConsentBegun, ConsentChallenge, ConsentLookup } from "../consent/consent-types.js";
import { AuthResumeError } from "../errors/auth-resume-error.js";
import type { InterruptMemo } from "./interrupt-memo.js";
import { currentTaskKey, peekResume } from "./peek-resume.js";

/** A call that cannot go on without a person's consent. */
export interface ConsentNeed {
  serverName: string;
  resource: string;
  /** Absent when no token is held at all (the call was not even tried). */
  challenge?: ConsentChallenge | undefined;
  errorDescription?: string | undefined;
  /** Set when the reason is known better than the challenge tells (a failed refresh). */
  reason?: ConsentReason | undefined;
  /** The tool being called, for the consents' retry limit per operation. */
  operation?: string | undefined;
}

/** What {@link askForConsent} needs besides the need itself. */
export interface AskContext {
  subject: string;
  coalescer: BeginCoalescer;
  lookup?: ConsentLookup | undefined;
  /** Consent each call (by thread and call id) interrupted on, in this process. */
  interruptedOn: InterruptMemo;
  /** Where a pause is recorded (which thread waits on which consent), durably before it happens. */
  waits?: ConsentWaitStore | undefined;
  /** The paused run's thread; without it no wait is recorded. */
  threadId?: string | undefined;
  /** The digest of the app session the run named, kept with the wait. */
  sessionDigest?: string | undefined;
}

// Several calls running in one task (a ToolNode without Send runs a message's tool calls
// together) share the task's interrupt counter; one interrupt per need and task keeps the
// counter's order deterministic across the replay.
const sharedByTask = new WeakMap<object, Map<string, Promise<AuthResume>>>();

function parseResume(value: unknown): AuthResume {
  const result = authResumeSchema.safeParse(value);
  if (!result.success) {
    throw new AuthResumeError({
      code: "INVALID_AUTH_RESUME",
      message:
        "a consent interrupt was resumed with a value that is not { consentId, outcome }; resume it with resumeConsent()",
      cause: result.error,
    });
  }
  return result.data;
}

function sameResource(a: string, b: string): boolean {
  try {
    return normalizeResource(a) === normalizeResource(b);
  } catch {
    return a === b;
  }
}

async function checkBelongs(
  context: AskContext,
  need: ConsentNeed,
  expected: string | undefined,
  resume: AuthResume,
): Promise<void> {
  if (expected !== undefined) {
    if (expected !== resume.consentId) {
      throw new AuthResumeError({
        code: "AUTH_RESUME_MISMATCH",
        message: `the call waits on consent ${expected} but was resumed with consent ${resume.consentId}`,
        consentId: resume.consentId,
        expectedConsentId: expected,
      });
    }
    return;
  }
  if (!context.lookup) return;
  const record = await context.lookup.get(resume.consentId);
  if (!record || record.subject !== context.subject || !sameResource(record.resource, need.resource)) {
    throw new AuthResumeError({
      code: "AUTH_RESUME_MISMATCH",
      message: `consent ${resume.consentId} is not a consent of this subject for ${need.serverName}`,
      consentId: resume.consentId,
    });
  }
}

/** The channel fields of a begun consent that go into the interrupt (a redirect adds none). */
function channelFields(begun: ConsentBegun): Partial<AuthInterrupt> {
  if (begun.channel === undefined || begun.channel === "redirect") return {};
  const fields: Partial<AuthInterrupt> = { channel: begun.channel };
  if (begun.bindingMessage !== undefined) fields.bindingMessage = begun.bindingMessage;
  if (begun.userCode !== undefined) fields.userCode = begun.userCode;
  if (begun.verificationUri !== undefined) fields.verificationUri = begun.verificationUri;
  if (begun.verificationUriComplete !== undefined)
    fields.verificationUriComplete = begun.verificationUriComplete;
  return fields;
}

async function ask(context: AskContext, need: ConsentNeed, callId: string): Promise<AuthResume> {
  const peeked = peekResume();
  if (peeked.kind === "answered") {
    // Replay after resume: the consent was begun in an earlier run; never begin another.
    await checkBelongs(context, need, context.interruptedOn.expected(callId), parseResume(peeked.value));
    // Consumes the answer (keeping LangGraph's interrupt order) and returns it.
    const resume = parseResume(interrupt<null, unknown>(null));
    context.interruptedOn.forget(callId);
    return resume;
  }
  const begun = await context.coalescer.begin({
    subject: context.subject,
    serverName: need.serverName,
    resource: need.resource,
    ...(need.challenge?.oauth ? { challenge: need.challenge.oauth } : {}),
    ...(need.reason ? { reason: need.reason } : {}),
    ...(need.operation ? { operation: need.operation } : {}),
    callId,
  });
  const errorDescription = begun.errorDescription ?? need.errorDescription;
  const payload: AuthInterrupt = authInterruptSchema.parse({
    type: AUTH_INTERRUPT_TYPE,
    consentId: begun.consentId,
    serverName: need.serverName,
    resource: need.resource,
    authorizationUrl: begun.authorizationUrl,
    scopes: begun.scopes,
    reason: begun.reason,
    ...(errorDescription === undefined ? {} : { errorDescription }),
    expiresAt: begun.expiresAt,
    // CIBA and device authorization: the channel and what the person is shown (never the
    // auth_req_id or device_code, which stay in the consent store).
    ...channelFields(begun),
  });
  if (peeked.kind === "unanswered") context.interruptedOn.remember(callId, begun.consentId);
  // Recorded before the pause is checkpointed: a restart finds who waits on the consent.
  if (context.waits && context.threadId !== undefined) {
    await context.waits.addWait({
      consentId: begun.consentId,
      threadId: context.threadId,
      subject: context.subject,
      ...(context.sessionDigest === undefined ? {} : { sessionDigest: context.sessionDigest }),
      createdAt: Date.now(),
    });
  }
  // Throws GraphInterrupt: the graph pauses here. It only returns when the scratchpad could
  // not be read ahead of time and an answer was already there; that answer may name the
  // consent begun in the first run (this begin then joined or made another), so it is checked
  // against the consent lookup rather than against `begun`.
  const resume = parseResume(interrupt<AuthInterrupt, unknown>(payload));
  await checkBelongs(
    context,
    need,
    resume.consentId === begun.consentId ? begun.consentId : undefined,
    resume,
  );
  return resume;
}

/**
 * Asks for consent for one call: begins the consent (coalesced), then pauses the graph with
 * `interrupt(payload)`, the payload validated by `authInterruptSchema`. On the replay that
 * follows a resume it begins nothing and returns the resume value instead.
 *
 * Must run inside a LangGraph task with a checkpointer.
 *
 * Control flow: throws LangGraph's `GraphInterrupt` to pause; callers must re-throw it
 * (check with `isGraphInterrupt`), never turn it into a result.
 *
 * @throws {AuthResumeError} when the resume value is malformed or answers another consent.
 */
export function askForConsent(context: AskContext, need: ConsentNeed, callId: string): Promise<AuthResume> {
  const task = currentTaskKey();
  if (!task) return ask(context, need, callId);
  let shared = sharedByTask.get(task);
  if (!shared) {
    shared = new Map();
    sharedByTask.set(task, shared);
  }
  const key = JSON.stringify([
    need.serverName,
    need.resource,
    need.challenge?.oauth?.error ?? null,
    [...(need.challenge?.oauth?.scope ?? [])].sort(),
  ]);
  const found = shared.get(key);
  if (found) {
    // Parallel calls of one task share the answer; each remembers which consent it waits on.
    return found;
  }
  const asked = ask(context, need, callId);
  shared.set(key, asked);
  return asked;
}
