/** @module Typed errors of @authbus/oauth: each has a stable `code` and an `isX` guard by name/code. */
import { isHeaderTooLargeError } from "@authbus/core";
import type { CONSENT_CHANNEL } from "./consent-channel-error.js";
import {
  isRequestBoundError,
  type LIMIT_EXCEEDED,
  type REQUEST_ABORTED,
  type REQUEST_TIMEOUT,
  type URL_REFUSED,
} from "./request-errors.js";
import type { REVOCATION_FAILED } from "./revocation-error.js";
import type { STORE_CORRUPT } from "./store-errors.js";

/** Every error code this package throws. */
export type OAuthErrorCode =
  | typeof DISCOVERY_FAILED
  | typeof RESOURCE_MISMATCH
  | typeof PKCE_UNSUPPORTED
  | typeof CLIENT_REGISTRATION_FAILED
  | typeof CONSENT_STATE
  | typeof CONSENT_CALLBACK
  | typeof REFRESH_FAILED
  | typeof STORE_SECRET
  | typeof STORE_CORRUPT
  | typeof REQUEST_TIMEOUT
  | typeof REQUEST_ABORTED
  | typeof URL_REFUSED
  | typeof LIMIT_EXCEEDED
  | typeof REVOCATION_FAILED
  | typeof CONSENT_RETRY_LIMIT
  | typeof GRANT_FAILED
  | typeof CONSENT_CHANNEL;

export const DISCOVERY_FAILED = "DISCOVERY_FAILED" as const;
export const RESOURCE_MISMATCH = "RESOURCE_MISMATCH" as const;
export const PKCE_UNSUPPORTED = "PKCE_UNSUPPORTED" as const;
export const CLIENT_REGISTRATION_FAILED = "CLIENT_REGISTRATION_FAILED" as const;
export const CONSENT_STATE = "CONSENT_STATE" as const;
export const CONSENT_CALLBACK = "CONSENT_CALLBACK" as const;
export const REFRESH_FAILED = "REFRESH_FAILED" as const;
export const STORE_SECRET = "STORE_SECRET" as const;
export const CONSENT_RETRY_LIMIT = "CONSENT_RETRY_LIMIT" as const;
export const GRANT_FAILED = "GRANT_FAILED" as const;

function hasNameAndCode(error: unknown, name: string, code: string): boolean {
  return error instanceof Error && error.name === name && (error as { code?: unknown }).code === code;
}

function options(cause: unknown): ErrorOptions {
  return cause === undefined ? {} : { cause };
}

/**
 * Protected resource or authorization server metadata could not be found or read.
 *
 * @see RFC 9728 §3, RFC 8414 §3
 *
 * @example
 * if (isDiscoveryError(error)) console.warn(`no metadata; tried ${error.tried.join(", ")}`);
 */
export class DiscoveryError extends Error {
  override readonly name = "DiscoveryError";
  readonly code = DISCOVERY_FAILED;
  /** The URLs that were tried, in order. */
  readonly tried: string[];
  constructor(message: string, tried: string[] = [], cause?: unknown) {
    super(message, options(cause));
    this.tried = tried;
  }
}
/**
 * Recognises {@link DiscoveryError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isDiscoveryError(error)) console.warn(`no metadata; tried ${error.tried.join(", ")}`);
 */
export function isDiscoveryError(error: unknown): error is DiscoveryError {
  return hasNameAndCode(error, "DiscoveryError", DISCOVERY_FAILED);
}

/**
 * Protected resource metadata whose `resource` is not the server that was asked: its
 * contents must not be used.
 *
 * @see RFC 9728 §3.3
 *
 * @example
 * if (isResourceMismatchError(error)) console.warn(`${error.metadataUrl} names ${error.received}`);
 */
export class ResourceMismatchError extends Error {
  override readonly name = "ResourceMismatchError";
  readonly code = RESOURCE_MISMATCH;
  readonly expected: string;
  readonly received: string;
  readonly metadataUrl: string;
  constructor(expected: string, received: string, metadataUrl: string) {
    super(
      `protected resource metadata at ${metadataUrl} names resource ${JSON.stringify(received)}, ` +
        `not ${JSON.stringify(expected)}; it is ignored (RFC 9728 §3.3)`,
    );
    this.expected = expected;
    this.received = received;
    this.metadataUrl = metadataUrl;
  }
}
/**
 * Recognises {@link ResourceMismatchError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isResourceMismatchError(error)) console.warn(`${error.metadataUrl} names ${error.received}`);
 */
export function isResourceMismatchError(error: unknown): error is ResourceMismatchError {
  return hasNameAndCode(error, "ResourceMismatchError", RESOURCE_MISMATCH);
}

/**
 * An authorization server that does not list `S256` in `code_challenge_methods_supported`:
 * MCP clients must refuse it.
 *
 * @see RFC 7636 §4.2, RFC 8414 §2, MCP 2025-11-25 Authorization §"Authorization Code Protection"
 *
 * @example
 * if (isPkceUnsupportedError(error)) console.warn(`${error.issuer} has no PKCE S256`);
 */
export class PkceUnsupportedError extends Error {
  override readonly name = "PkceUnsupportedError";
  readonly code = PKCE_UNSUPPORTED;
  readonly issuer: string;
  constructor(issuer: string) {
    super(
      `authorization server ${issuer} does not advertise S256 in code_challenge_methods_supported; ` +
        "refusing to use it without PKCE",
    );
    this.issuer = issuer;
  }
}
/**
 * Recognises {@link PkceUnsupportedError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isPkceUnsupportedError(error)) console.warn(`${error.issuer} has no PKCE S256`);
 */
export function isPkceUnsupportedError(error: unknown): error is PkceUnsupportedError {
  return hasNameAndCode(error, "PkceUnsupportedError", PKCE_UNSUPPORTED);
}

/**
 * No client identity for an authorization server: no pre-registered `client_id` and no
 * `registration_endpoint`, or dynamic registration was refused.
 *
 * @see RFC 7591 §3
 *
 * @example
 * if (isClientRegistrationError(error)) console.warn(`configure a clientId for ${error.issuer}`);
 */
export class ClientRegistrationError extends Error {
  override readonly name = "ClientRegistrationError";
  readonly code = CLIENT_REGISTRATION_FAILED;
  readonly issuer: string;
  constructor(issuer: string, message: string, cause?: unknown) {
    super(message, options(cause));
    this.issuer = issuer;
  }
}
/**
 * Recognises {@link ClientRegistrationError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isClientRegistrationError(error)) console.warn(`configure a clientId for ${error.issuer}`);
 */
export function isClientRegistrationError(error: unknown): error is ClientRegistrationError {
  return hasNameAndCode(error, "ClientRegistrationError", CLIENT_REGISTRATION_FAILED);
}

/** Why a callback's `state` was refused. */
export type ConsentStateProblem = "missing" | "unknown" | "expired" | "settled" | "in_progress";

/**
 * A callback whose `state` is missing, unknown (forged or from another app), expired, or
 * belongs to a consent that was already settled (a replay). Nothing was changed. The message
 * never contains the `state` value.
 *
 * @see RFC 6749 §10.12, RFC 9700 §4.7
 *
 * @example
 * if (isConsentStateError(error) && error.problem === "settled") return new Response("already done", { status: 409 });
 */
export class ConsentStateError extends Error {
  override readonly name = "ConsentStateError";
  readonly code = CONSENT_STATE;
  readonly problem: ConsentStateProblem;
  /** Set when the state named a known consent. */
  readonly consentId: string | undefined;
  constructor(problem: ConsentStateProblem, consentId?: string) {
    const text: Record<ConsentStateProblem, string> = {
      missing: "the callback carries no state parameter",
      unknown: "the callback's state matches no consent (forged, or from another client)",
      expired: "the consent for this callback has expired",
      settled: "the consent for this callback was already settled (callbacks are accepted once)",
      in_progress: "a callback for this consent is already being processed",
    };
    super(consentId ? `${text[problem]}: consent ${consentId}` : text[problem]);
    this.problem = problem;
    this.consentId = consentId;
  }
}
/**
 * Recognises {@link ConsentStateError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isConsentStateError(error) && error.problem === "settled") return new Response("already done", { status: 409 });
 */
export function isConsentStateError(error: unknown): error is ConsentStateError {
  return hasNameAndCode(error, "ConsentStateError", CONSENT_STATE);
}

/**
 * A callback with a valid `state` that still could not be completed: a wrong `iss`
 * (RFC 9207), a malformed response, or a refused code exchange.
 *
 * @see RFC 9207 §2.4, RFC 6749 §4.1.2, §5.2
 *
 * @example
 * if (isConsentCallbackError(error)) console.warn(`consent ${error.consentId} failed: ${error.error}`);
 */
export class ConsentCallbackError extends Error {
  override readonly name = "ConsentCallbackError";
  readonly code = CONSENT_CALLBACK;
  readonly consentId: string;
  /** The OAuth `error` code, when the authorization server sent one. */
  readonly error: string | undefined;
  constructor(consentId: string, message: string, error?: string, cause?: unknown) {
    super(message, options(cause));
    this.consentId = consentId;
    this.error = error;
  }
}
/**
 * Recognises {@link ConsentCallbackError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isConsentCallbackError(error)) console.warn(`consent ${error.consentId} failed: ${error.error}`);
 */
export function isConsentCallbackError(error: unknown): error is ConsentCallbackError {
  return hasNameAndCode(error, "ConsentCallbackError", CONSENT_CALLBACK);
}

/**
 * A refresh that did not produce tokens. When `consentRequired` is true (no refresh token,
 * or the authorization server answered `invalid_grant`), the stored tokens were dropped and
 * the person has to consent again (`reason: "refresh_failed"`).
 *
 * @see RFC 6749 §6, §5.2
 *
 * @example
 * if (isRefreshError(error) && error.consentRequired) await consents.begin({ ...where, reason: "refresh_failed" });
 */
export class RefreshError extends Error {
  override readonly name = "RefreshError";
  readonly code = REFRESH_FAILED;
  readonly consentRequired: boolean;
  /** The OAuth `error` code, when the authorization server sent one. */
  readonly error: string | undefined;
  constructor(message: string, init: { consentRequired: boolean; error?: string; cause?: unknown }) {
    super(message, options(init.cause));
    this.consentRequired = init.consentRequired;
    this.error = init.error;
  }
}
/**
 * Recognises {@link RefreshError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isRefreshError(error) && error.consentRequired) await consents.begin({ ...where, reason: "refresh_failed" });
 */
export function isRefreshError(error: unknown): error is RefreshError {
  return hasNameAndCode(error, "RefreshError", REFRESH_FAILED);
}

/** Why a store refused its secret. */
export type StoreSecretProblem = "missing" | "too_short" | "mismatch";

/**
 * A SQLite store without a usable encryption secret: none given (and not a development
 * store), one shorter than 32 characters, or not the secret the file was written with.
 * The message says how to fix it and never contains the secret.
 *
 * @example
 * if (isStoreSecretError(error) && error.problem === "missing") console.error(error.message);
 */
export class StoreSecretError extends Error {
  override readonly name = "StoreSecretError";
  readonly code = STORE_SECRET;
  readonly problem: StoreSecretProblem;
  constructor(problem: StoreSecretProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}
/**
 * Recognises {@link StoreSecretError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isStoreSecretError(error) && error.problem === "missing") console.error(error.message);
 */
export function isStoreSecretError(error: unknown): error is StoreSecretError {
  return hasNameAndCode(error, "StoreSecretError", STORE_SECRET);
}

/**
 * A cause that is safe to keep: name, code and message of `error`, without its own `cause`
 * (oauth4webapi attaches response bodies, which can hold tokens).
 */
export function safeCause(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  // Our own bound errors carry no response body: kept whole, so `isRequestTimeoutError(e.cause)` works.
  if (isRequestBoundError(error) || isHeaderTooLargeError(error)) return error;
  const copy = new Error(error.message);
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") Object.assign(copy, { code });
  const oauthError = (error as { error?: unknown }).error;
  if (typeof oauthError === "string") Object.assign(copy, { error: oauthError });
  return copy;
}

/**
 * The person was already asked `attempts` times within the window for the same (subject,
 * resource, operation), and the server still refuses: asking again would loop. Tell the person
 * the server keeps refusing; nothing is retried.
 *
 * @see MCP 2025-11-25 Authorization §"Step-Up Authorization Flow" (clients SHOULD limit retries)
 * @example
 * if (isConsentRetryLimitError(error)) return `${error.resource} keeps refusing access after ${error.attempts} consents`;
 */
export class ConsentRetryLimitError extends Error {
  override readonly name = "ConsentRetryLimitError";
  readonly code = CONSENT_RETRY_LIMIT;
  readonly resource: string;
  readonly operation: string | undefined;
  readonly attempts: number;
  constructor(resource: string, operation: string | undefined, attempts: number) {
    super(
      `${resource} still refuses${operation === undefined ? "" : ` ${JSON.stringify(operation)}`} after ${attempts} ` +
        "consents in a row; not asking again (the server may require access this user cannot grant)",
    );
    this.resource = resource;
    this.operation = operation;
    this.attempts = attempts;
  }
}

/** Recognises {@link ConsentRetryLimitError} by `name`/`code`. */
export function isConsentRetryLimitError(error: unknown): error is ConsentRetryLimitError {
  return hasNameAndCode(error, "ConsentRetryLimitError", CONSENT_RETRY_LIMIT);
}

/** Where a non-interactive grant failed. */
export type GrantFailureStep =
  | "discovery"
  | "client_authentication"
  | "assertion"
  | "token_exchange"
  | "token_request";

/**
 * A non-interactive grant (client credentials, jwt-bearer, enterprise-managed authorization)
 * that produced no tokens. No person can fix it by consenting: `retryable` says whether trying
 * again later may help (a network failure, `server_error`, `temporarily_unavailable`); a refused
 * grant (`invalid_client`, `invalid_grant`, `unauthorized_client`, `invalid_scope`, …) is not
 * retried. The message never holds a secret, an assertion or a token; `errorDescription` is the
 * server's own text.
 *
 * @see RFC 6749 §5.2, RFC 7523 §3.1, RFC 8693 §2.2.2
 *
 * @example
 * if (isGrantError(error) && !error.retryable) console.error(`fix the ${error.grant} configuration: ${error.error}`);
 */
export class GrantError extends Error {
  override readonly name = "GrantError";
  readonly code = GRANT_FAILED;
  /** Which grant: `client_credentials`, `jwt_bearer` or `enterprise_managed`. */
  readonly grant: "client_credentials" | "jwt_bearer" | "enterprise_managed";
  readonly step: GrantFailureStep;
  /** The OAuth `error` code, when a server sent one. */
  readonly error: string | undefined;
  /** The server's `error_description`, when it sent one. */
  readonly errorDescription: string | undefined;
  /** The authorization server (or identity provider) that was asked, when known. */
  readonly issuer: string | undefined;
  readonly retryable: boolean;
  constructor(
    message: string,
    init: {
      grant: GrantError["grant"];
      step: GrantFailureStep;
      retryable: boolean;
      error?: string | undefined;
      errorDescription?: string | undefined;
      issuer?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, options(init.cause));
    this.grant = init.grant;
    this.step = init.step;
    this.retryable = init.retryable;
    this.error = init.error;
    this.errorDescription = init.errorDescription;
    this.issuer = init.issuer;
  }
}
/**
 * Recognises {@link GrantError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isGrantError(error) && !error.retryable) console.error(`fix the ${error.grant} configuration: ${error.error}`);
 */
export function isGrantError(error: unknown): error is GrantError {
  return hasNameAndCode(error, "GrantError", GRANT_FAILED);
}
