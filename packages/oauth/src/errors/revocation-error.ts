/** @module The typed error of a token revocation the authorization server did not confirm. */

import { AuthbusError } from "@authbus/core";

/**
 * A revocation request (RFC 7009) that was not confirmed: the server could not be reached, timed
 * out, or answered with an error. `revokeTokens` reports it in its result (the tokens are
 * deleted locally anyway); `cause` is the typed request error or the server's OAuth error, never
 * a response body. `error` is the server's OAuth `error` code, when it sent one.
 *
 * @see RFC 7009 §2.2, §2.2.1
 * @example
 * const result = await revokeTokens(key, options);
 * if (isAuthbusError(result.error, "REVOCATION_FAILED")) console.warn(result.error.message);
 */
export class RevocationError extends AuthbusError<"REVOCATION_FAILED"> {
  override readonly name = "RevocationError";
  readonly error: string | undefined;

  constructor(options: { message: string; error?: string | undefined; cause?: unknown }) {
    super({ code: "REVOCATION_FAILED", message: options.message, cause: options.cause });
    this.error = options.error;
  }
}
