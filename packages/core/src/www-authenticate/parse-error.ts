/** @module The typed error thrown for a malformed `WWW-Authenticate` field value. */

/** Stable code carried by every {@link WWWAuthenticateParseError}. */
export const WWW_AUTHENTICATE_PARSE_ERROR = "WWW_AUTHENTICATE_PARSE_ERROR";

/**
 * A `WWW-Authenticate` value that does not follow RFC 9110 §11.6.1. The message says what was
 * expected and at which position, e.g.
 * `expected a value (token or quoted-string) for parameter "realm" at position 14, found ","`.
 * It names schemes and parameters but never repeats a parameter value or a token68.
 *
 * @see RFC 9110 §11.6.1
 */
export class WWWAuthenticateParseError extends Error {
  override readonly name = "WWWAuthenticateParseError";
  readonly code = WWW_AUTHENTICATE_PARSE_ERROR;
  /** The field value that was parsed; several field lines are joined with `", "`. */
  readonly input: string;
  /** Zero-based UTF-16 index into {@link input} where the parser stopped. */
  readonly position: number;

  constructor(message: string, input: string, position: number, options?: ErrorOptions) {
    super(message, options);
    this.input = input;
    this.position = position;
  }
}

/**
 * Recognises a {@link WWWAuthenticateParseError} by `name` and `code` rather than `instanceof`,
 * so errors from two installed copies of `@authbus/core` are still recognised.
 *
 * @see RFC 9110 §11.6.1
 * @example
 * try {
 *   parseWWWAuthenticate(header);
 * } catch (e) {
 *   if (!isWWWAuthenticateParseError(e)) throw e;
 *   console.warn(e.message, e.position);
 * }
 * @throws Never; any value is accepted.
 */
export function isWWWAuthenticateParseError(e: unknown): e is WWWAuthenticateParseError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "WWWAuthenticateParseError" &&
    (e as { code?: unknown }).code === WWW_AUTHENTICATE_PARSE_ERROR
  );
}
