/** A web-standard `fetch`: `(input, init) => Promise<Response>`. */
export type SendFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
/** What {@link sendBounded} needs besides the request. */
export interface BoundedRequestOptions {
    fetch?: SendFetch | undefined;
    timeoutMs?: number | undefined;
    signal?: AbortSignal | undefined;
}
/**
 * Sends one request through the configured fetch and reads its whole answer within
 * `timeoutMs` (default {@link DEFAULT_REQUEST_TIMEOUT_MS}), stopping when the app's `signal`
 * (or `init.signal`) aborts. The body is read here, at most {@link MAX_RESPONSE_BODY_BYTES}, and
 * handed back as a new `Response`, so the caller's own parsing cannot hang or overflow.
 *
 * The signal is passed to the fetch, and the wait is also raced against it: a fetch that ignores
 * its signal still cannot hold the caller past the timeout.
 *
 * @throws {RequestTimeoutError} when the time is up, {@link RequestAbortedError} when a signal
 *   aborted (never a `DOMException`), {@link LimitExceededError} for a body over the limit,
 *   `HeaderTooLargeError` (from `@authbus/core`) when the HTTP client refused the response
 *   headers as too large; other fetch failures as the fetch rejected.
 */
export declare function sendBounded(url: string, init: RequestInit, options: BoundedRequestOptions): Promise<Response>;
