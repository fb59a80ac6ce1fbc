/** @module Build the Command that answers every interrupt waiting on one consent. */
import { type AuthResume, authResumeSchema, type ConsentOutcome } from "@authbus/core";
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
): Promise<Command<Record<string, AuthResume>, Record<string, never>, never>> {
  const parsed = authResumeSchema.safeParse({ consentId, outcome });
  if (!parsed.success) {
    throw new AuthResumeError({
      code: "INVALID_AUTH_RESUME",
      message: "resumeConsent needs a consent id and granted, denied or expired",
      cause: parsed.error,
    });
  }
  const snapshot = isStateReader(snapshotOrGraph)
    ? await snapshotOrGraph.getState(config as never, { subgraphs: true })
    : snapshotOrGraph;
  const waiting = pendingAuthInterrupts(snapshot).filter((pending) => pending.consentId === consentId);
  if (waiting.length === 0) throw new ConsentNotPendingError({ consentId });
  const resume: Record<string, AuthResume> = {};
  for (const pending of waiting) resume[pending.interruptId] = { ...parsed.data };
  return new Command<Record<string, AuthResume>, Record<string, never>, never>({ resume });
}
