/** @module A consent link or callback used by someone other than who began the consent, or a resume that cannot happen. */

import { AuthbusError } from "@authbus/core";

/**
 * A launch link, callback, resume or denial for a consent, made from another app session (or
 * for another user) than the run that began it: refused, and the consent is left as it was. A
 * callback completed in someone else's browser would otherwise hand the attacker's account to
 * the victim's agent (login CSRF). Carries the consent id, never a session.
 *
 * @example
 * if (isAuthbusError(error, "CONSENT_SESSION_MISMATCH")) return new Response(null, { status: 403 });
 */
export class ConsentSessionError extends AuthbusError<"CONSENT_SESSION_MISMATCH"> {
  override readonly name = "ConsentSessionError";
  readonly consentId: string;
  /** What did not match: the app session, or the user the app says is signed in. */
  readonly mismatch: "session" | "subject";

  constructor(options: { consentId: string; mismatch: "session" | "subject"; cause?: unknown }) {
    super({
      code: "CONSENT_SESSION_MISMATCH",
      message:
        options.mismatch === "session"
          ? `consent ${options.consentId} was begun in another app session; it can only be answered there`
          : `consent ${options.consentId} belongs to another user`,
      cause: options.cause,
    });
    this.consentId = options.consentId;
    this.mismatch = options.mismatch;
  }
}

/** `resume()` for a consent that is unknown, still pending, or settled another way than the outcome given. */
export class ConsentNotSettledError extends AuthbusError<"CONSENT_NOT_SETTLED"> {
  override readonly name = "ConsentNotSettledError";
  readonly consentId: string;

  constructor(options: { consentId: string; message: string; cause?: unknown }) {
    super({ code: "CONSENT_NOT_SETTLED", message: options.message, cause: options.cause });
    this.consentId = options.consentId;
  }
}

// What `isAuthbusError(e, code)` narrows each authbus code to.
declare module "@authbus/core" {
  interface AuthbusErrorMap {
    CONSENT_SESSION_MISMATCH: ConsentSessionError;
    CONSENT_NOT_SETTLED: ConsentNotSettledError;
  }
}
