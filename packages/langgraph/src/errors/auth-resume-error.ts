/** @module Typed errors of the LangGraph integration: bad resume values and consents nothing waits on. */

export const INVALID_AUTH_RESUME = "INVALID_AUTH_RESUME" as const;
export const AUTH_RESUME_MISMATCH = "AUTH_RESUME_MISMATCH" as const;

/** Codes of {@link AuthResumeError}. */
export type AuthResumeErrorCode = typeof INVALID_AUTH_RESUME | typeof AUTH_RESUME_MISMATCH;

/**
 * A graph was resumed with a value a consent interrupt cannot accept: not an
 * `{ consentId, outcome }` object (`INVALID_AUTH_RESUME`), or the answer to a consent for
 * another subject or resource (`AUTH_RESUME_MISMATCH`). The message names consent ids, never
 * tokens.
 */
export class AuthResumeError extends Error {
  override readonly name = "AuthResumeError";
  readonly code: AuthResumeErrorCode;
  /** The consent the resume value named, when it named one. */
  readonly consentId: string | undefined;
  /** The consent this call waits on, when known. */
  readonly expectedConsentId: string | undefined;

  constructor(
    code: AuthResumeErrorCode,
    message: string,
    details: { consentId?: string; expectedConsentId?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? {} : { cause: details.cause });
    this.code = code;
    this.consentId = details.consentId;
    this.expectedConsentId = details.expectedConsentId;
  }
}

/** Recognises {@link AuthResumeError} by `name`/`code`, not `instanceof`. */
export function isAuthResumeError(error: unknown): error is AuthResumeError {
  if (!(error instanceof Error) || error.name !== "AuthResumeError") return false;
  const code = (error as { code?: unknown }).code;
  return code === INVALID_AUTH_RESUME || code === AUTH_RESUME_MISMATCH;
}

export const CONSENT_NOT_PENDING = "CONSENT_NOT_PENDING" as const;

/**
 * {@link resumeConsent} found no interrupt waiting on the consent: it was already resumed,
 * the thread is another one, or the id is wrong.
 */
export class ConsentNotPendingError extends Error {
  override readonly name = "ConsentNotPendingError";
  readonly code = CONSENT_NOT_PENDING;
  readonly consentId: string;

  constructor(consentId: string) {
    super(`no interrupt of this thread waits on consent ${consentId}`);
    this.consentId = consentId;
  }
}

/** Recognises {@link ConsentNotPendingError} by `name`/`code`. */
export function isConsentNotPendingError(error: unknown): error is ConsentNotPendingError {
  return (
    error instanceof Error &&
    error.name === "ConsentNotPendingError" &&
    (error as { code?: unknown }).code === CONSENT_NOT_PENDING
  );
}
