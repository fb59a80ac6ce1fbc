/** @module Typed errors for the bounds @authbus/oauth puts on requests: timeouts, aborts, refused URLs, limits. */
import { redactUrl } from "@authbus/core";
export const REQUEST_TIMEOUT = "REQUEST_TIMEOUT";
export const REQUEST_ABORTED = "REQUEST_ABORTED";
export const URL_REFUSED = "URL_REFUSED";
export const LIMIT_EXCEEDED = "LIMIT_EXCEEDED";
function hasNameAndCode(error, name, code) {
    return error instanceof Error && error.name === name && error.code === code;
}
/**
 * A request that got no complete answer within `timeoutMs` (default
 * `DEFAULT_REQUEST_TIMEOUT_MS`). It is the `cause` of the error of the step that sent it
 * (`DiscoveryError`, `ConsentCallbackError`, `RefreshError`, `ClientRegistrationError`), or is
 * thrown by discovery itself. `url` has no query string.
 *
 * @example
 * if (isRefreshError(error) && isRequestTimeoutError(error.cause)) retryLater();
 */
export class RequestTimeoutError extends Error {
    name = "RequestTimeoutError";
    code = REQUEST_TIMEOUT;
    url;
    timeoutMs;
    constructor(url, timeoutMs) {
        const where = redactUrl(url);
        super(`no answer from ${where} within ${timeoutMs} ms`);
        this.url = where;
        this.timeoutMs = timeoutMs;
    }
}
/** Recognises {@link RequestTimeoutError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export function isRequestTimeoutError(error) {
    return hasNameAndCode(error, "RequestTimeoutError", REQUEST_TIMEOUT);
}
/**
 * A request stopped because the app's `signal` aborted. `url` has no query string; the abort
 * reason, if it is an error, is the `cause`.
 *
 * @example
 * if (isRequestAbortedError(error)) return; // the app cancelled it
 */
export class RequestAbortedError extends Error {
    name = "RequestAbortedError";
    code = REQUEST_ABORTED;
    url;
    constructor(url, reason) {
        const where = redactUrl(url);
        super(`the request to ${where} was aborted`, reason instanceof Error ? { cause: reason } : {});
        this.url = where;
    }
}
/** Recognises {@link RequestAbortedError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export function isRequestAbortedError(error) {
    return hasNameAndCode(error, "RequestAbortedError", REQUEST_ABORTED);
}
/**
 * A URL that a server handed us (a challenge's `resource_metadata`, an authorization server in
 * protected resource metadata, an endpoint in authorization server metadata) and that is not
 * fetched. `url` is the URL without query, or `""` when it did not parse; `what` names where it
 * came from.
 *
 * @see RFC 9728 §7.7 (SSRF), RFC 8414 §6 (security considerations)
 * @example
 * if (isUrlRefusedError(error) && error.reason === "private_network") console.warn(error.message);
 */
export class UrlRefusedError extends Error {
    name = "UrlRefusedError";
    code = URL_REFUSED;
    reason;
    url;
    what;
    constructor(reason, url, what, detail) {
        super(`refused ${what}${url === "" ? "" : ` ${url}`}: ${detail}`);
        this.reason = reason;
        this.url = url;
        this.what = what;
    }
}
/** Recognises {@link UrlRefusedError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export function isUrlRefusedError(error) {
    return hasNameAndCode(error, "UrlRefusedError", URL_REFUSED);
}
/**
 * Something a server sent (or made us build) is larger than a limit in `shared/limits.ts`:
 * a response body over `MAX_RESPONSE_BODY_BYTES`, more scopes than `MAX_AUTHORIZATION_SCOPES`,
 * an authorization URL longer than `MAX_AUTHORIZATION_URL_LENGTH`. Nothing is truncated.
 *
 * @example
 * if (isLimitExceededError(error)) console.warn(`${error.limit}: ${error.actual} > ${error.max}`);
 */
export class LimitExceededError extends Error {
    name = "LimitExceededError";
    code = LIMIT_EXCEEDED;
    limit;
    max;
    /** The size seen (for a body, at least this many bytes), when known. */
    actual;
    constructor(limit, max, actual, what) {
        super(`${what}${actual === undefined ? "" : ` (${actual})`} exceeds the limit of ${max}`);
        this.limit = limit;
        this.max = max;
        this.actual = actual;
    }
}
/** Recognises {@link LimitExceededError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export function isLimitExceededError(error) {
    return hasNameAndCode(error, "LimitExceededError", LIMIT_EXCEEDED);
}
/** Whether `error` is one of the request errors above (they hold no response body and no secret). */
export function isRequestBoundError(error) {
    return (isRequestTimeoutError(error) ||
        isRequestAbortedError(error) ||
        isUrlRefusedError(error) ||
        isLimitExceededError(error));
}
