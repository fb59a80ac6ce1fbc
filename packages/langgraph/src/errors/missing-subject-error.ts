/** @module A run that does not say whose it is. */

export const MISSING_SUBJECT = "MISSING_SUBJECT" as const;

/**
 * A run reached authbus without naming its user: pass `context: { subject }` to a `createAgent`
 * agent (or `configurable: { subject }` to a hand-built graph). Tokens are never picked for a
 * run that names no one.
 */
export class MissingSubjectError extends Error {
  override readonly name = "MissingSubjectError";
  readonly code = MISSING_SUBJECT;

  constructor() {
    super(
      "this run names no subject: invoke the agent with { context: { subject } } " +
        "(or { configurable: { subject } } for a hand-built graph)",
    );
  }
}

/** Recognises {@link MissingSubjectError} by `name`/`code`. */
export function isMissingSubjectError(error: unknown): error is MissingSubjectError {
  return (
    error instanceof Error &&
    error.name === "MissingSubjectError" &&
    (error as { code?: unknown }).code === MISSING_SUBJECT
  );
}
