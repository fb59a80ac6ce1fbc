/** @module Build the Command that answers every interrupt waiting on one consent: settled, or its callback accepted. */
import {
  type AcceptedResume,
  type AuthResume,
  acceptedResumeSchema,
  type ConsentOutcome,
  type SettledResume,
  settledResumeSchema,
} from "@authbus/core";
import { Command } from "@langchain/langgraph";
import { AuthResumeError, ConsentNotPendingError } from "../errors/auth-resume-error.js";
import { pendingAuthInterrupts, type SnapshotLike } from "./pending-auth-interrupts.js";

/** A compiled graph, or anything else that reads a thread's state. */
export interface StateReader {
  getState(config: never, options?: { subgraphs?: boolean }): Promise<SnapshotLike>;
}

function isStateReader(value: unknown): value is StateReader {
  return typeof (value as { getState?: unknown }).getState === "function";
}

/**
 * Builds `new Command({ resume: { [interruptId]: { consentId, outcome } } })` answering every
 * interrupt that waits on `consentId`, keyed by interrupt id: parallel calls that share one
 * consent are all resumed by it, and interrupts waiting on other consents stay paused. (A
 * plain `Command({ resume: value })` would hand the same value to every interrupt of the
 * thread; an array would be matched by order.) The resume value says only which consent and
 * how it ended: tokens stay in the TokenStore.
 *
 * Pass the graph (the snapshot is read with `getState(config, { subgraphs: true })`) or a
 * snapshot you already hold.
 *
 * @example
 * const done = await consents.complete(callbackUrl);
 * await graph.invoke(await resumeConsent(graph, config, done.consentId, done.outcome), config);
 * @throws {ConsentNotPendingError} when no interrupt of the thread waits on `consentId`.
 * @throws {AuthResumeError} (`INVALID_AUTH_RESUME`) for an empty id or an unknown outcome.
 */
export async function resumeConsent(
  snapshotOrGraph: SnapshotLike | StateReader,
  config: unknown,
  consentId: string,
  outcome: ConsentOutcome,
): Promise<Command<Record<string, SettledResume>, Record<string, never>, never>> {
  const parsed = settledResumeSchema.safeParse({ consentId, outcome });
  if (!parsed.success) {
    throw new AuthResumeError({
      code: "INVALID_AUTH_RESUME",
      message: "resumeConsent needs a consent id and granted, denied or expired",
      cause: parsed.error,
    });
  }
  return answerWaiting(snapshotOrGraph, config, parsed.data);
}

/**
 * Like {@link resumeConsent}, for a consent whose callback was accepted but not settled yet
 * (`consents.accept()` of `@authbus/oauth`): answers every interrupt waiting on `consentId`
 * with `{ consentId, accepted: true }`. The graph resumes while the code is exchanged (the
 * checkpoint read, the resume write and the replay up to the call overlap the token request),
 * and each paused call waits for the consent's outcome before it runs again: `granted` with
 * the new token; `denied` (a failed exchange denies the consent) or `expired` ends it as
 * {@link resumeConsent} with that outcome would. The tools need consents with `wait()`.
 *
 * @example
 * const { consentId, settled } = await consents.accept(callbackUrl);
 * const done = graph.invoke(await resumeAcceptedConsent(graph, config, consentId), config);
 * await settled; // the callback page's answer
 * await done;
 * @throws {ConsentNotPendingError} when no interrupt of the thread waits on `consentId`.
 * @throws {AuthResumeError} (`INVALID_AUTH_RESUME`) for an empty id.
 */
export async function resumeAcceptedConsent(
  snapshotOrGraph: SnapshotLike | StateReader,
  config: unknown,
  consentId: string,
): Promise<Command<Record<string, AcceptedResume>, Record<string, never>, never>> {
  const parsed = acceptedResumeSchema.safeParse({ consentId, accepted: true });
  if (!parsed.success) {
    throw new AuthResumeError({
      code: "INVALID_AUTH_RESUME",
      message: "resumeAcceptedConsent needs a consent id",
      cause: parsed.error,
    });
  }
  return answerWaiting(snapshotOrGraph, config, parsed.data);
}

/** The Command answering, by interrupt id, every interrupt waiting on `value.consentId`. */
async function answerWaiting<V extends AuthResume>(
  snapshotOrGraph: SnapshotLike | StateReader,
  config: unknown,
  value: V,
): Promise<Command<Record<string, V>, Record<string, never>, never>> {
  const { consentId } = value;
  const snapshot = isStateReader(snapshotOrGraph)
    ? await snapshotOrGraph.getState(config as never, { subgraphs: true })
    : snapshotOrGraph;
  const waiting = pendingAuthInterrupts(snapshot).filter((pending) => pending.consentId === consentId);
  if (waiting.length === 0) throw new ConsentNotPendingError({ consentId });
  const resume: Record<string, V> = {};
  for (const pending of waiting) resume[pending.interruptId] = { ...value };
  return new Command<Record<string, V>, Record<string, never>, never>({ resume });
}
