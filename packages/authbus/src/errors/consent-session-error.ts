/** @module A consent link or callback used by someone other than who began the consent. */

export const CONSENT_SESSION_MISMATCH = "CONSENT_SESSION_MISMATCH" as const;

/**
 * A launch link, callback, resume or denial for a consent, made from another app session (or
 * for another user) than the run that began it: refused, and the consent is left as it was. A
 * callback completed in someone else's browser would otherwise hand the attacker's account to
 * the victim's agent (login CSRF). Carries the consent id, never a session.
 */
export class ConsentSessionError extends Error {
  override readonly name = "ConsentSessionError";
  readonly code = CONSENT_SESSION_MISMATCH;
  readonly consentId: string;
  /** What did not match: the app session, or the user the app says is signed in. */
  readonly mismatch: "session" | "subject";

  constructor(consentId: string, mismatch: "session" | "subject") {
    super(
      mismatch === "session"
        ? `consent ${consentId} was begun in another app session; it can only be answered there`
        : `consent ${consentId} belongs to another user`,
    );
    this.consentId = consentId;
    this.mismatch = mismatch;
  }
}

/** Recognises {@link ConsentSessionError} by `name`/`code`. */
export function isConsentSessionError(error: unknown): error is ConsentSessionError {
  return (
    error instanceof Error &&
    error.name === "ConsentSessionError" &&
    (error as { code?: unknown }).code === CONSENT_SESSION_MISMATCH
  );
}

export const CONSENT_NOT_SETTLED = "CONSENT_NOT_SETTLED" as const;

/** `resume()` for a consent that is unknown, still pending, or settled another way than the outcome given. */
export class ConsentNotSettledError extends Error {
  override readonly name = "ConsentNotSettledError";
  readonly code = CONSENT_NOT_SETTLED;
  readonly consentId: string;

  constructor(consentId: string, message: string) {
    super(message);
    this.consentId = consentId;
  }
}

/** Recognises {@link ConsentNotSettledError} by `name`/`code`. */
export function isConsentNotSettledError(error: unknown): error is ConsentNotSettledError {
  return (
    error instanceof Error &&
    error.name === "ConsentNotSettledError" &&
    (error as { code?: unknown }).code === CONSENT_NOT_SETTLED
  );
}
