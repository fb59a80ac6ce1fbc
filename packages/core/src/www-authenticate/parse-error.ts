/** @module The typed error thrown for a malformed `WWW-Authenticate` field value. */

import { AuthbusError } from "../errors/authbus-error.js";

/**
 * A `WWW-Authenticate` value that does not follow RFC 9110 §11.6.1. The message says what was
 * expected and at which position, e.g.
 * `expected a value (token or quoted-string) for parameter "realm" at position 14, found ","`.
 * It names schemes and parameters but never repeats a parameter value or a token68.
 *
 * @see RFC 9110 §11.6.1
 * @example
 * try {
 *   parseWWWAuthenticate(header);
 * } catch (e) {
 *   if (!isAuthbusError(e, "WWW_AUTHENTICATE_PARSE_ERROR")) throw e;
 *   console.warn(e.message, e.position);
 * }
 */
export class WWWAuthenticateParseError extends AuthbusError<"WWW_AUTHENTICATE_PARSE_ERROR"> {
  override readonly name = "WWWAuthenticateParseError";
  /**
   * The field value that was parsed; several field lines are joined with `", "`. Non-enumerable:
   * it may hold a token68, so `toJSON()` and logs never carry it.
   */
  declare readonly input: string;
  /** Zero-based UTF-16 index into {@link input} where the parser stopped. */
  readonly position: number;

  constructor(options: { message: string; input: string; position: number; cause?: unknown }) {
    super({ code: "WWW_AUTHENTICATE_PARSE_ERROR", message: options.message, cause: options.cause });
    Object.defineProperty(this, "input", { value: options.input, enumerable: false });
    this.position = options.position;
  }
}
