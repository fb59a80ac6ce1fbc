/**
 * @module A call resumed on an accepted callback waits for its consent's outcome: the graph
 * resumes while the code is exchanged, and the call runs again only once the consent settled.
 */
import {
  type AcceptedResume,
  type AuthResume,
  authResumeSchema,
  type ConsentOutcome,
  isAcceptedResume,
  type SettledResume,
} from "@authbus/core";
import { AuthResumeError } from "../errors/auth-resume-error.js";
import { currentTaskKey, peekResume } from "./peek-resume.js";

/** How a consent ends: `consents.wait` of `@authbus/oauth` (`undefined` for an unknown consent). */
export type WaitForOutcome = (consentId: string) => Promise<ConsentOutcome | undefined>;

/** What waiting for a settlement needs. */
export interface SettlementContext {
  /** How a consent ends; without it an accepted callback cannot be waited for. */
  waitForOutcome?: WaitForOutcome | undefined;
}

// Outcomes are final, so calls of one task (its replay reads the answer twice: before the call
// runs again and when the interrupt is consumed) share each consent's wait.
const outcomesByTask = new WeakMap<object, Map<string, Promise<ConsentOutcome>>>();

function waitOnce(context: SettlementContext, resume: AcceptedResume): Promise<ConsentOutcome> {
  const { waitForOutcome } = context;
  if (!waitForOutcome) {
    throw new AuthResumeError({
      code: "INVALID_AUTH_RESUME",
      message: `consent ${resume.consentId} was resumed with an accepted callback, but these tools cannot wait for its outcome; give them consents with wait(), or resume with resumeConsent() once it settled`,
      consentId: resume.consentId,
    });
  }
  const task = currentTaskKey();
  let outcomes = task ? outcomesByTask.get(task) : undefined;
  const found = outcomes?.get(resume.consentId);
  if (found) return found;
  // An unknown consent (deleted meanwhile) can no longer be granted: it ends as expired.
  const outcome = waitForOutcome(resume.consentId).then((settled) => settled ?? "expired");
  if (task) {
    if (!outcomes) {
      outcomes = new Map();
      outcomesByTask.set(task, outcomes);
    }
    outcomes.set(resume.consentId, outcome);
  }
  return outcome;
}

/**
 * The consent's outcome for a resume value: a settled value as it is; for an accepted
 * callback, waits until the consent settles (in this process, as soon as its code exchange
 * ends; otherwise through the consent store, at the latest at the consent's expiry). A failed
 * exchange settles the consent `denied`, so the call ends as after a refusal.
 *
 * @throws {AuthResumeError} (`INVALID_AUTH_RESUME`) for an accepted callback without `waitForOutcome`.
 */
export async function settleResume(context: SettlementContext, resume: AuthResume): Promise<SettledResume> {
  if (!isAcceptedResume(resume)) return resume;
  return { consentId: resume.consentId, outcome: await waitOnce(context, resume) };
}

/**
 * Before a replayed call runs again: when the task's next answer is an accepted callback for
 * the consent this call waits on (or for one this process does not know), waits for it to
 * settle, so the call runs once, with the new token, instead of being refused by the server
 * while the code is still being exchanged. Resolves to that outcome (`undefined` when there was
 * nothing to wait for).
 */
export async function awaitAcceptedAnswer(
  context: SettlementContext,
  expectedConsentId: string | undefined,
): Promise<ConsentOutcome | undefined> {
  if (!context.waitForOutcome) return undefined;
  const peeked = peekResume();
  if (peeked.kind !== "answered") return undefined;
  const parsed = authResumeSchema.safeParse(peeked.value);
  if (!parsed.success || !isAcceptedResume(parsed.data)) return undefined;
  if (expectedConsentId !== undefined && expectedConsentId !== parsed.data.consentId) return undefined;
  return waitOnce(context, parsed.data);
}
