/**
 * @module Pause the graph on a URL elicitation's consent, and on the replay after the resume,
 * find the answer again (LangGraph matches a task's `interrupt()` calls by order).
 */
import {
  AUTH_INTERRUPT_TYPE,
  type AuthInterrupt,
  type AuthResume,
  authInterruptSchema,
  authResumeSchema,
} from "@authbus/core";
import type { UrlElicitationConsent, UrlElicitations, UrlElicitationView } from "@authbus/mcp";
import { interrupt } from "@langchain/langgraph";
import { AuthResumeError } from "../errors/auth-resume-error.js";
import type { AskContext } from "../interrupt/ask-for-consent.js";
import { peekResume, unreadResumes } from "../interrupt/peek-resume.js";

/** What the elicitation steps need: the consent context and the elicitations. */
export interface ElicitationAskContext extends AskContext {
  elicitations: UrlElicitations;
}

/** A resume value found for this call, with the elicitation consent it answers. */
export interface ElicitationAnswerFound {
  resume: AuthResume;
  view: UrlElicitationView;
}

function parseResume(value: unknown): AuthResume {
  const result = authResumeSchema.safeParse(value);
  if (!result.success) {
    throw new AuthResumeError({
      code: "INVALID_AUTH_RESUME",
      message:
        "a URL elicitation interrupt was resumed with a value that is not { consentId, outcome }; resume it with resumeConsent()",
      cause: result.error,
    });
  }
  return result.data;
}

function checkSubject(context: ElicitationAskContext, view: UrlElicitationView, resume: AuthResume): void {
  if (view.subject !== context.subject) {
    throw new AuthResumeError({
      code: "AUTH_RESUME_MISMATCH",
      message: `consent ${resume.consentId} is not a consent of this subject`,
      consentId: resume.consentId,
    });
  }
}

/**
 * On the replay after a resume: the answer to this call's elicitation, if one is waiting. The
 * answers ahead of it (an OAuth consent's, which this call no longer needs: it got as far as
 * the server asking for an elicitation) are read too, so LangGraph's order stays right. Which
 * consent the call waits on comes from this process's memo, or after a restart from the store
 * (an elicitation consent of this subject and, when known, this server).
 *
 * @throws {AuthResumeError} when the answer names another subject's elicitation consent.
 */
export async function takeElicitationAnswer(
  context: ElicitationAskContext,
  callId: string,
  serverName: string | undefined,
): Promise<ElicitationAnswerFound | undefined> {
  const expected = context.interruptedOn.expected(callId);
  const unread = unreadResumes();
  for (const [index, value] of unread.entries()) {
    const parsed = authResumeSchema.safeParse(value);
    // Another kind of interrupt's answer: not ours to read past.
    if (!parsed.success) return undefined;
    const view = await context.elicitations.get(parsed.data.consentId);
    if (!view) continue;
    if (
      expected !== undefined
        ? expected !== view.consentId
        : serverName !== undefined && view.serverName !== serverName
    ) {
      continue;
    }
    checkSubject(context, view, parsed.data);
    let resume: unknown;
    for (let read = 0; read <= index; read += 1) resume = interrupt<null, unknown>(null);
    context.interruptedOn.forget(callId);
    return { resume: parseResume(resume), view };
  }
  return undefined;
}

/** The interrupt payload of an elicitation consent: the server's URL and words, never a token. */
export function elicitationInterrupt(consent: UrlElicitationConsent): AuthInterrupt {
  return authInterruptSchema.parse({
    type: AUTH_INTERRUPT_TYPE,
    consentId: consent.consentId,
    serverName: consent.serverName,
    resource: consent.resource,
    authorizationUrl: consent.url,
    scopes: [],
    reason: "url_elicitation",
    expiresAt: consent.expiresAt,
    channel: "elicitation",
    elicitationId: consent.elicitationId,
    ...(consent.message === "" ? {} : { message: consent.message }),
  });
}

/**
 * Pauses the graph on an elicitation consent: records the wait (durably, before the pause is
 * checkpointed), then `interrupt(payload)`. Answers still unread in the task are an OAuth
 * consent's this call no longer needs (it reached the server's elicitation); they are read
 * first, so `interrupt()` pauses instead of handing one of them back.
 *
 * Control flow: throws LangGraph's `GraphInterrupt`; returns only when LangGraph already holds
 * an answer the scratchpad did not show (then checked against this consent).
 *
 * @throws {AuthResumeError} when that answer names another consent.
 */
export async function pauseOnElicitation(
  context: ElicitationAskContext,
  consent: UrlElicitationConsent,
  callId: string,
): Promise<AuthResume> {
  const payload = elicitationInterrupt(consent);
  while (peekResume().kind === "answered") interrupt<null, unknown>(null);
  if (peekResume().kind === "unanswered") context.interruptedOn.remember(callId, consent.consentId);
  if (context.waits && context.threadId !== undefined) {
    await context.waits.addWait({
      consentId: consent.consentId,
      threadId: context.threadId,
      subject: context.subject,
      ...(context.sessionDigest === undefined ? {} : { sessionDigest: context.sessionDigest }),
      createdAt: Date.now(),
    });
  }
  const resume = parseResume(interrupt<AuthInterrupt, unknown>(payload));
  if (resume.consentId !== consent.consentId) {
    throw new AuthResumeError({
      code: "AUTH_RESUME_MISMATCH",
      message: `the call waits on consent ${consent.consentId} but was resumed with consent ${resume.consentId}`,
      consentId: resume.consentId,
      expectedConsentId: consent.consentId,
    });
  }
  return resume;
}
