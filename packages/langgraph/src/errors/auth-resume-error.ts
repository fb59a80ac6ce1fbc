/** @module Typed errors of the LangGraph integration: bad resume values and consents nothing waits on. */

import { AuthbusError } from "@authbus/core";

/**
 * A graph was resumed with a value a consent interrupt cannot accept: not an
 * `{ consentId, outcome }` object (`INVALID_AUTH_RESUME`), or the answer to a consent for
 * another subject or resource (`AUTH_RESUME_MISMATCH`). The message names consent ids, never
 * tokens.
 *
 * @example
 * if (isAuthbusError(error, "AUTH_RESUME_MISMATCH")) console.warn(`${error.consentId} answers another consent`);
 */
export class AuthResumeError extends AuthbusError<"INVALID_AUTH_RESUME" | "AUTH_RESUME_MISMATCH"> {
  override readonly name = "AuthResumeError";
  /** The consent the resume value named, when it named one. */
  readonly consentId: string | undefined;
  /** The consent this call waits on, when known. */
  readonly expectedConsentId: string | undefined;

  constructor(options: {
    code: "INVALID_AUTH_RESUME" | "AUTH_RESUME_MISMATCH";
    message: string;
    consentId?: string | undefined;
    expectedConsentId?: string | undefined;
    cause?: unknown;
  }) {
    super({ code: options.code, message: options.message, cause: options.cause });
    this.consentId = options.consentId;
    this.expectedConsentId = options.expectedConsentId;
  }
}

/**
 * {@link resumeConsent} found no interrupt waiting on the consent: it was already resumed,
 * the thread is another one, or the id is wrong.
 */
export class ConsentNotPendingError extends AuthbusError<"CONSENT_NOT_PENDING"> {
  override readonly name = "ConsentNotPendingError";
  readonly consentId: string;

  constructor(options: { consentId: string; cause?: unknown }) {
    super({
      code: "CONSENT_NOT_PENDING",
      message: `no interrupt of this thread waits on consent ${options.consentId}`,
      cause: options.cause,
    });
    this.consentId = options.consentId;
  }
}

// What `isAuthbusError(e, code)` narrows each @authbus/langgraph code to.
declare module "@authbus/core" {
  interface AuthbusErrorMap {
    INVALID_AUTH_RESUME: AuthResumeError;
    AUTH_RESUME_MISMATCH: AuthResumeError;
    CONSENT_NOT_PENDING: ConsentNotPendingError;
  }
}
