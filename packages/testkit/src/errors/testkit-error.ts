/** @module Typed errors thrown by the testkit for bad options and failed test drives. */

/** Stable codes of {@link TestkitError}. */
export const TESTKIT_ERROR_CODES = {
  /** An option is missing or malformed (a tool without scopes, a relative URL, …). */
  invalidOptions: "TESTKIT_INVALID_OPTIONS",
  /** A resource indicator that was never registered with the authorization server. */
  unknownResource: "TESTKIT_UNKNOWN_RESOURCE",
  /** `approveConsent` could not drive the interaction to the client's redirect URI. */
  consentDriveFailed: "TESTKIT_CONSENT_DRIVE_FAILED",
  /** A server was used after `close()`. */
  closed: "TESTKIT_CLOSED",
} as const;

/** One of the {@link TESTKIT_ERROR_CODES} values. */
export type TestkitErrorCode = (typeof TESTKIT_ERROR_CODES)[keyof typeof TESTKIT_ERROR_CODES];

/**
 * The error the testkit throws for bad options or a failed headless consent.
 * Messages never contain a token or an `Authorization` header.
 */
export class TestkitError extends Error {
  override readonly name = "TestkitError";
  readonly code: TestkitErrorCode;

  constructor(code: TestkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: TestkitErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/**
 * Recognises a {@link TestkitError} by `name` and `code`, so two installed copies agree.
 *
 * @example
 * try { await startProtectedMCPServer(opts) } catch (e) { if (isTestkitError(e)) console.log(e.code) }
 */
export function isTestkitError(value: unknown): value is TestkitError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown };
  return (
    candidate.name === "TestkitError" &&
    typeof candidate.code === "string" &&
    (Object.values(TESTKIT_ERROR_CODES) as string[]).includes(candidate.code)
  );
}
