export declare const REQUEST_TIMEOUT: "REQUEST_TIMEOUT";
export declare const REQUEST_ABORTED: "REQUEST_ABORTED";
export declare const URL_REFUSED: "URL_REFUSED";
export declare const LIMIT_EXCEEDED: "LIMIT_EXCEEDED";
/**
 * A request that got no complete answer within `timeoutMs` (default
 * `DEFAULT_REQUEST_TIMEOUT_MS`). It is the `cause` of the error of the step that sent it
 * (`DiscoveryError`, `ConsentCallbackError`, `RefreshError`, `ClientRegistrationError`), or is
 * thrown by discovery itself. `url` has no query string.
 *
 * @example
 * if (isRefreshError(error) && isRequestTimeoutError(error.cause)) retryLater();
 */
export declare class RequestTimeoutError extends Error {
    readonly name = "RequestTimeoutError";
    readonly code: "REQUEST_TIMEOUT";
    readonly url: string;
    readonly timeoutMs: number;
    constructor(url: string, timeoutMs: number);
}
/** Recognises {@link RequestTimeoutError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isRequestTimeoutError(error: unknown): error is RequestTimeoutError;
/**
 * A request stopped because the app's `signal` aborted. `url` has no query string; the abort
 * reason, if it is an error, is the `cause`.
 *
 * @example
 * if (isRequestAbortedError(error)) return; // the app cancelled it
 */
export declare class RequestAbortedError extends Error {
    readonly name = "RequestAbortedError";
    readonly code: "REQUEST_ABORTED";
    readonly url: string;
    constructor(url: string, reason?: unknown);
}
/** Recognises {@link RequestAbortedError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isRequestAbortedError(error: unknown): error is RequestAbortedError;
/**
 * Why a URL was refused: not a URL (`invalid_url`); plain `http:` off loopback
 * (`insecure_scheme`); user name or password in it (`credentials`); a literal address in a
 * private, loopback, link-local or unspecified range the app did not allow (`private_network`).
 */
export type UrlRefusal = "invalid_url" | "insecure_scheme" | "credentials" | "private_network";
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
export declare class UrlRefusedError extends Error {
    readonly name = "UrlRefusedError";
    readonly code: "URL_REFUSED";
    readonly reason: UrlRefusal;
    readonly url: string;
    readonly what: string;
    constructor(reason: UrlRefusal, url: string, what: string, detail: string);
}
/** Recognises {@link UrlRefusedError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isUrlRefusedError(error: unknown): error is UrlRefusedError;
/** Which bound was exceeded. */
export type LimitName = "response_body" | "authorization_scopes" | "authorization_url";
/**
 * Something a server sent (or made us build) is larger than a limit in `shared/limits.ts`:
 * a response body over `MAX_RESPONSE_BODY_BYTES`, more scopes than `MAX_AUTHORIZATION_SCOPES`,
 * an authorization URL longer than `MAX_AUTHORIZATION_URL_LENGTH`. Nothing is truncated.
 *
 * @example
 * if (isLimitExceededError(error)) console.warn(`${error.limit}: ${error.actual} > ${error.max}`);
 */
export declare class LimitExceededError extends Error {
    readonly name = "LimitExceededError";
    readonly code: "LIMIT_EXCEEDED";
    readonly limit: LimitName;
    readonly max: number;
    /** The size seen (for a body, at least this many bytes), when known. */
    readonly actual: number | undefined;
    constructor(limit: LimitName, max: number, actual: number | undefined, what: string);
}
/** Recognises {@link LimitExceededError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isLimitExceededError(error: unknown): error is LimitExceededError;
/** Whether `error` is one of the request errors above (they hold no response body and no secret). */
export declare function isRequestBoundError(error: unknown): boolean;
