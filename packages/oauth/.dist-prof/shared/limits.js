/** @module Bounds on what a server can make @authbus/oauth send, wait for or read: every limit of the package, in one place. */
/**
 * How long one request (metadata GET, registration, token, refresh, revocation) may take, in
 * milliseconds, from sending it to the last byte of the answer, unless `timeoutMs` says
 * otherwise: 30 s, long enough for a slow authorization server, short enough that a hung one
 * never holds a consent or a refresh for good.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * The most bytes read of any response body (metadata documents, token, registration and
 * revocation answers): 256 KiB. Real metadata is a few KiB; a larger answer is refused, not
 * truncated.
 */
export const MAX_RESPONSE_BODY_BYTES = 256 * 1024;
/**
 * The most scopes one authorization request asks for, however many a challenge or
 * `scopes_supported` lists: 100.
 */
export const MAX_AUTHORIZATION_SCOPES = 100;
/**
 * The longest authorization URL built (characters of its serialisation): 8 KiB, what browsers
 * and common front-end servers accept in a request line (RFC 9110 §4.1 recommends at least 8000
 * octets).
 */
export const MAX_AUTHORIZATION_URL_LENGTH = 8 * 1024;
