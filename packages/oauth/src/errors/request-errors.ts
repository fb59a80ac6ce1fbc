/** @module Typed errors for the bounds @authbus/oauth puts on requests: timeouts, aborts, refused URLs, limits. */
import { AuthbusError, isAuthbusError, redactUrl } from "@authbus/core";

/**
 * A request that got no complete answer within `timeoutMs` (default
 * `DEFAULT_REQUEST_TIMEOUT_MS`). It is the `cause` of the error of the step that sent it
 * (`DiscoveryError`, `ConsentCallbackError`, `RefreshError`, `ClientRegistrationError`), or is
 * thrown by discovery itself. `url` has no query string.
 *
 * @example
 * if (isAuthbusError(error, "REFRESH_FAILED") && isAuthbusError(error.cause, "REQUEST_TIMEOUT")) retryLater();
 */
export class RequestTimeoutError extends AuthbusError<"REQUEST_TIMEOUT"> {
  override readonly name = "RequestTimeoutError";
  readonly url: string;
  readonly timeoutMs: number;
  constructor(options: { url: string; timeoutMs: number; cause?: unknown }) {
    const where = redactUrl(options.url);
    super({
      code: "REQUEST_TIMEOUT",
      message: `no answer from ${where} within ${options.timeoutMs} ms`,
      cause: options.cause,
    });
    this.url = where;
    this.timeoutMs = options.timeoutMs;
  }
}

/**
 * A request stopped because the app's `signal` aborted. `url` has no query string; the abort
 * reason, if it is an error, is the `cause`.
 *
 * @example
 * if (isAuthbusError(error, "REQUEST_ABORTED")) return; // the app cancelled it
 */
export class RequestAbortedError extends AuthbusError<"REQUEST_ABORTED"> {
  override readonly name = "RequestAbortedError";
  readonly url: string;
  /** `cause` is the abort reason, kept only when it is an `Error`. */
  constructor(options: { url: string; cause?: unknown }) {
    const where = redactUrl(options.url);
    super({
      code: "REQUEST_ABORTED",
      message: `the request to ${where} was aborted`,
      cause: options.cause instanceof Error ? options.cause : undefined,
    });
    this.url = where;
  }
}

/**
 * Why a URL was refused: not a URL (`invalid_url`); plain `http:` off loopback
 * (`insecure_scheme`); user name or password in it (`credentials`); a literal address in a
 * private, loopback, link-local or unspecified range the app did not allow (`private_network`).
 */
export type UrlRefusal = "invalid_url" | "insecure_scheme" | "credentials" | "private_network";

/**
 * A URL that a server handed us (a challenge's `resource_metadata`, an authorization server in
 * protected resource metadata, an endpoint in authorization server metadata) and that is not
 * fetched. `url` is the URL's origin and path (no user info, query or fragment), or `""` when it
 * did not parse; `what` names where it came from.
 *
 * @see RFC 9728 §7.7 (SSRF), RFC 8414 §6 (security considerations)
 * @example
 * if (isAuthbusError(error, "URL_REFUSED") && error.reason === "private_network") console.warn(error.message);
 */
export class UrlRefusedError extends AuthbusError<"URL_REFUSED"> {
  override readonly name = "UrlRefusedError";
  readonly reason: UrlRefusal;
  readonly url: string;
  readonly what: string;
  /** `url` must already be reduced to origin and path; `detail` says why, for the message. */
  constructor(options: { reason: UrlRefusal; url: string; what: string; detail: string; cause?: unknown }) {
    super({
      code: "URL_REFUSED",
      message: `refused ${options.what}${options.url === "" ? "" : ` ${options.url}`}: ${options.detail}`,
      cause: options.cause,
    });
    this.reason = options.reason;
    this.url = options.url;
    this.what = options.what;
  }
}

/** Which bound was exceeded. */
export type LimitName = "response_body" | "authorization_scopes" | "authorization_url";

/**
 * Something a server sent (or made us build) is larger than a limit in `shared/limits.ts`:
 * a response body over `MAX_RESPONSE_BODY_BYTES`, more scopes than `MAX_AUTHORIZATION_SCOPES`,
 * an authorization URL longer than `MAX_AUTHORIZATION_URL_LENGTH`. Nothing is truncated.
 *
 * @example
 * if (isAuthbusError(error, "LIMIT_EXCEEDED")) console.warn(`${error.limit}: ${error.actual} > ${error.max}`);
 */
export class LimitExceededError extends AuthbusError<"LIMIT_EXCEEDED"> {
  override readonly name = "LimitExceededError";
  readonly limit: LimitName;
  readonly max: number;
  /** The size seen (for a body, at least this many bytes), when known. */
  readonly actual: number | undefined;
  /** `what` names the thing that is too large, for the message. */
  constructor(options: {
    limit: LimitName;
    max: number;
    actual?: number | undefined;
    what: string;
    cause?: unknown;
  }) {
    super({
      code: "LIMIT_EXCEEDED",
      message: `${options.what}${options.actual === undefined ? "" : ` (${options.actual})`} exceeds the limit of ${options.max}`,
      cause: options.cause,
    });
    this.limit = options.limit;
    this.max = options.max;
    this.actual = options.actual;
  }
}

/** Whether `error` is one of the request errors above (they hold no response body and no secret). */
export function isRequestBoundError(error: unknown): boolean {
  return (
    isAuthbusError(error, "REQUEST_TIMEOUT") ||
    isAuthbusError(error, "REQUEST_ABORTED") ||
    isAuthbusError(error, "URL_REFUSED") ||
    isAuthbusError(error, "LIMIT_EXCEEDED")
  );
}
