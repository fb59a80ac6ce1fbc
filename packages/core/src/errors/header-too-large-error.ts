/** @module The typed error for a response header larger than authbus accepts. */

import { AuthbusError } from "./authbus-error.js";

/**
 * A response header too large to be read: a `WWW-Authenticate` value longer than
 * `MAX_WWW_AUTHENTICATE_LENGTH`, or a header block the HTTP client refused (undici's
 * `UND_ERR_HEADERS_OVERFLOW`). The message names the header and the sizes, never its value.
 *
 * @see RFC 9110 §5.4 (field limits)
 * @example
 * if (isAuthbusError(error.cause, "HEADER_TOO_LARGE")) console.warn(`${error.cause.header} over ${error.cause.limit}`);
 */
export class HeaderTooLargeError extends AuthbusError<"HEADER_TOO_LARGE"> {
  override readonly name = "HeaderTooLargeError";
  /** The header's lower-cased name, or `"*"` when the HTTP client refused the header block as a whole. */
  readonly header: string;
  /** The largest size accepted (characters, or bytes for `"*"`). */
  readonly limit: number;
  /** The size received, when known. */
  readonly length: number | undefined;

  constructor(options: { header: string; limit: number; length?: number | undefined; cause?: unknown }) {
    const what = options.header === "*" ? "the response headers" : `the ${options.header} header`;
    const size = options.length === undefined ? "" : ` (${options.length})`;
    super({
      code: "HEADER_TOO_LARGE",
      message: `${what}${size} exceed the limit of ${options.limit}; not read`,
      cause: options.cause,
    });
    this.header = options.header;
    this.limit = options.limit;
    this.length = options.length;
  }
}
