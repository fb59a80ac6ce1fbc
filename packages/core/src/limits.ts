/** @module Bounds on what a server can make @authbus/core hold: every limit of the package, in one place. */

/**
 * The longest `WWW-Authenticate` field value (all field lines joined, in UTF-16 code units) that
 * {@link AuthChallengeError} parses: 16 KiB, Node's default limit for all response headers
 * together (`--max-http-header-size`). A longer value is not parsed; the error's `cause` is a
 * {@link HeaderTooLargeError}.
 */
export const MAX_WWW_AUTHENTICATE_LENGTH = 16 * 1024;
