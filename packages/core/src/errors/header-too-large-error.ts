/** @module The typed error for a response header larger than authbus accepts. */

export const HEADER_TOO_LARGE = "HEADER_TOO_LARGE" as const;

/** Options of {@link HeaderTooLargeError}. */
export interface HeaderTooLargeErrorInit {
  /** The header's lower-cased name, or `"*"` when the HTTP client refused the header block as a whole. */
  header: string;
  /** The largest size accepted (characters, or bytes for `"*"`). */
  limit: number;
  /** The size received, when known. */
  length?: number | undefined;
  cause?: unknown;
}

/**
 * A response header too large to be read: a `WWW-Authenticate` value longer than
 * `MAX_WWW_AUTHENTICATE_LENGTH`, or a header block the HTTP client refused (undici's
 * `UND_ERR_HEADERS_OVERFLOW`). The message names the header and the sizes, never its value.
 *
 * @see RFC 9110 §5.4 (field limits)
 * @example
 * if (isHeaderTooLargeError(error.cause)) console.warn(`${error.cause.header} over ${error.cause.limit}`);
 */
export class HeaderTooLargeError extends Error {
  override readonly name = "HeaderTooLargeError";
  readonly code = HEADER_TOO_LARGE;
  readonly header: string;
  readonly limit: number;
  readonly length: number | undefined;

  constructor(init: HeaderTooLargeErrorInit) {
    const what = init.header === "*" ? "the response headers" : `the ${init.header} header`;
    const size = init.length === undefined ? "" : ` (${init.length})`;
    super(
      `${what}${size} exceed the limit of ${init.limit}; not read`,
      init.cause === undefined ? {} : { cause: init.cause },
    );
    this.header = init.header;
    this.limit = init.limit;
    this.length = init.length;
  }
}

/**
 * Recognises a {@link HeaderTooLargeError} by `name` and `code`, so two installed copies agree.
 *
 * @example
 * if (isHeaderTooLargeError(error)) console.warn(error.message);
 */
export function isHeaderTooLargeError(error: unknown): error is HeaderTooLargeError {
  return (
    error instanceof Error &&
    error.name === "HeaderTooLargeError" &&
    (error as { code?: unknown }).code === HEADER_TOO_LARGE
  );
}
