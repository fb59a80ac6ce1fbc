/** @module Typed errors of @authbus/oauth: each extends `AuthbusError` with a code from the one union. */
import { AuthbusError, isAuthbusError } from "@authbus/core";
import type { ConsentChannelError } from "./consent-channel-error.js";
import {
  isRequestBoundError,
  type LimitExceededError,
  type RequestAbortedError,
  type RequestTimeoutError,
  type UrlRefusedError,
} from "./request-errors.js";

import type { RevocationError } from "./revocation-error.js";
import type { StoreCorruptError } from "./store-errors.js";
import type { StoreUnavailableError } from "./store-unavailable-error.js";

/**
 * Protected resource or authorization server metadata could not be found or read.
 *
 * @see RFC 9728 §3, RFC 8414 §3
 *
 * @example
 * if (isAuthbusError(error, "DISCOVERY_FAILED")) console.warn(`no metadata; tried ${error.tried.join(", ")}`);
 */
export class DiscoveryError extends AuthbusError<"DISCOVERY_FAILED"> {
  override readonly name = "DiscoveryError";
  /** The URLs that were tried, in order. */
  readonly tried: string[];
  constructor(options: { message: string; tried?: string[] | undefined; cause?: unknown }) {
    super({ code: "DISCOVERY_FAILED", message: options.message, cause: options.cause });
    this.tried = options.tried ?? [];
  }
}

/**
 * Protected resource metadata whose `resource` is not the server that was asked: its
 * contents must not be used.
 *
 * @see RFC 9728 §3.3
 *
 * @example
 * if (isAuthbusError(error, "RESOURCE_MISMATCH")) console.warn(`${error.metadataUrl} names ${error.received}`);
 */
export class ResourceMismatchError extends AuthbusError<"RESOURCE_MISMATCH"> {
  override readonly name = "ResourceMismatchError";
  readonly expected: string;
  readonly received: string;
  readonly metadataUrl: string;
  constructor(options: { expected: string; received: string; metadataUrl: string; cause?: unknown }) {
    super({
      code: "RESOURCE_MISMATCH",
      message:
        `protected resource metadata at ${options.metadataUrl} names resource ${JSON.stringify(options.received)}, ` +
        `not ${JSON.stringify(options.expected)}; it is ignored (RFC 9728 §3.3)`,
      cause: options.cause,
    });
    this.expected = options.expected;
    this.received = options.received;
    this.metadataUrl = options.metadataUrl;
  }
}

/**
 * An authorization server that does not list `S256` in `code_challenge_methods_supported`:
 * MCP clients must refuse it.
 *
 * @see RFC 7636 §4.2, RFC 8414 §2, MCP 2025-11-25 Authorization §"Authorization Code Protection"
 *
 * @example
 * if (isAuthbusError(error, "PKCE_UNSUPPORTED")) console.warn(`${error.issuer} has no PKCE S256`);
 */
export class PkceUnsupportedError extends AuthbusError<"PKCE_UNSUPPORTED"> {
  override readonly name = "PkceUnsupportedError";
  readonly issuer: string;
  constructor(options: { issuer: string; cause?: unknown }) {
    super({
      code: "PKCE_UNSUPPORTED",
      message:
        `authorization server ${options.issuer} does not advertise S256 in code_challenge_methods_supported; ` +
        "refusing to use it without PKCE",
      cause: options.cause,
    });
    this.issuer = options.issuer;
  }
}

/**
 * No client identity for an authorization server: no pre-registered `client_id` and no
 * `registration_endpoint`, or dynamic registration was refused.
 *
 * @see RFC 7591 §3
 *
 * @example
 * if (isAuthbusError(error, "CLIENT_REGISTRATION_FAILED")) console.warn(`configure a clientId for ${error.issuer}`);
 */
export class ClientRegistrationError extends AuthbusError<"CLIENT_REGISTRATION_FAILED"> {
  override readonly name = "ClientRegistrationError";
  readonly issuer: string;
  constructor(options: { issuer: string; message: string; cause?: unknown }) {
    super({ code: "CLIENT_REGISTRATION_FAILED", message: options.message, cause: options.cause });
    this.issuer = options.issuer;
  }
}

/** Why a callback's `state` was refused. */
export type ConsentStateProblem = "missing" | "unknown" | "expired" | "settled" | "in_progress";

const consentStateText: Record<ConsentStateProblem, string> = {
  missing: "the callback carries no state parameter",
  unknown: "the callback's state matches no consent (forged, or from another client)",
  expired: "the consent for this callback has expired",
  settled: "the consent for this callback was already settled (callbacks are accepted once)",
  in_progress: "a callback for this consent is already being processed",
};

/**
 * A callback whose `state` is missing, unknown (forged or from another app), expired, or
 * belongs to a consent that was already settled (a replay). Nothing was changed. The message
 * never contains the `state` value.
 *
 * @see RFC 6749 §10.12, RFC 9700 §4.7
 *
 * @example
 * if (isAuthbusError(error, "CONSENT_STATE") && error.problem === "settled") return new Response("already done", { status: 409 });
 */
export class ConsentStateError extends AuthbusError<"CONSENT_STATE"> {
  override readonly name = "ConsentStateError";
  readonly problem: ConsentStateProblem;
  /** Set when the state named a known consent. */
  readonly consentId: string | undefined;
  constructor(options: { problem: ConsentStateProblem; consentId?: string | undefined; cause?: unknown }) {
    const text = consentStateText[options.problem];
    super({
      code: "CONSENT_STATE",
      message: options.consentId ? `${text}: consent ${options.consentId}` : text,
      cause: options.cause,
    });
    this.problem = options.problem;
    this.consentId = options.consentId;
  }
}

/**
 * A callback with a valid `state` that still could not be completed: a wrong `iss`
 * (RFC 9207), a malformed response, or a refused code exchange.
 *
 * @see RFC 9207 §2.4, RFC 6749 §4.1.2, §5.2
 *
 * @example
 * if (isAuthbusError(error, "CONSENT_CALLBACK")) console.warn(`consent ${error.consentId} failed: ${error.error}`);
 */
export class ConsentCallbackError extends AuthbusError<"CONSENT_CALLBACK"> {
  override readonly name = "ConsentCallbackError";
  readonly consentId: string;
  /** The OAuth `error` code, when the authorization server sent one. */
  readonly error: string | undefined;
  constructor(options: { consentId: string; message: string; error?: string | undefined; cause?: unknown }) {
    super({ code: "CONSENT_CALLBACK", message: options.message, cause: options.cause });
    this.consentId = options.consentId;
    this.error = options.error;
  }
}

/**
 * A refresh that did not produce tokens. When `consentRequired` is true (no refresh token,
 * or the authorization server answered `invalid_grant`), the stored tokens were dropped and
 * the person has to consent again (`reason: "refresh_failed"`).
 *
 * @see RFC 6749 §6, §5.2
 *
 * @example
 * if (isAuthbusError(error, "REFRESH_FAILED") && error.consentRequired) await consents.begin({ ...where, reason: "refresh_failed" });
 */
export class RefreshError extends AuthbusError<"REFRESH_FAILED"> {
  override readonly name = "RefreshError";
  readonly consentRequired: boolean;
  /** The OAuth `error` code, when the authorization server sent one. */
  readonly error: string | undefined;
  constructor(options: {
    message: string;
    consentRequired: boolean;
    error?: string | undefined;
    cause?: unknown;
  }) {
    super({ code: "REFRESH_FAILED", message: options.message, cause: options.cause });
    this.consentRequired = options.consentRequired;
    this.error = options.error;
  }
}

/** Why a store refused its secret. */
export type StoreSecretProblem = "missing" | "too_short" | "mismatch";

/**
 * A SQLite store without a usable encryption secret: none given (and not a development
 * store), one shorter than 32 characters, or not the secret the file was written with.
 * The message says how to fix it and never contains the secret.
 *
 * @example
 * if (isAuthbusError(error, "STORE_SECRET") && error.problem === "missing") console.error(error.message);
 */
export class StoreSecretError extends AuthbusError<"STORE_SECRET"> {
  override readonly name = "StoreSecretError";
  readonly problem: StoreSecretProblem;
  constructor(options: { problem: StoreSecretProblem; message: string; cause?: unknown }) {
    super({ code: "STORE_SECRET", message: options.message, cause: options.cause });
    this.problem = options.problem;
  }
}

/**
 * A cause that is safe to keep: name, code and message of `error`, without its own `cause`
 * (oauth4webapi attaches response bodies, which can hold tokens). The request-bound errors are
 * kept whole, so `isAuthbusError(e.cause, "REQUEST_TIMEOUT")` works.
 */
export function safeCause(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  if (isRequestBoundError(error) || isAuthbusError(error, "HEADER_TOO_LARGE")) return error;

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
 * if (isAuthbusError(error, "CONSENT_RETRY_LIMIT")) return `${error.resource} keeps refusing access after ${error.attempts} consents`;
 */
export class ConsentRetryLimitError extends AuthbusError<"CONSENT_RETRY_LIMIT"> {
  override readonly name = "ConsentRetryLimitError";
  readonly resource: string;
  readonly operation: string | undefined;
  readonly attempts: number;
  constructor(options: {
    resource: string;
    operation?: string | undefined;
    attempts: number;
    cause?: unknown;
  }) {
    const { resource, operation, attempts } = options;
    super({
      code: "CONSENT_RETRY_LIMIT",
      message:
        `${resource} still refuses${operation === undefined ? "" : ` ${JSON.stringify(operation)}`} after ${attempts} ` +
        "consents in a row; not asking again (the server may require access this user cannot grant)",
      cause: options.cause,
    });
    this.resource = resource;
    this.operation = operation;
    this.attempts = attempts;
  }
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
 * if (isAuthbusError(error, "GRANT_FAILED") && !error.retryable) console.error(`fix the ${error.grant} configuration: ${error.error}`);
 */
export class GrantError extends AuthbusError<"GRANT_FAILED"> {
  override readonly name = "GrantError";
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
  constructor(options: {
    message: string;
    grant: GrantError["grant"];
    step: GrantFailureStep;
    retryable: boolean;
    error?: string | undefined;
    errorDescription?: string | undefined;
    issuer?: string | undefined;
    cause?: unknown;
  }) {
    super({ code: "GRANT_FAILED", message: options.message, cause: options.cause });
    this.grant = options.grant;
    this.step = options.step;
    this.retryable = options.retryable;
    this.error = options.error;
    this.errorDescription = options.errorDescription;
    this.issuer = options.issuer;
  }
}

// What `isAuthbusError(e, code)` narrows each @authbus/oauth code to.
declare module "@authbus/core" {
  interface AuthbusErrorMap {
    DISCOVERY_FAILED: DiscoveryError;
    RESOURCE_MISMATCH: ResourceMismatchError;
    PKCE_UNSUPPORTED: PkceUnsupportedError;
    CLIENT_REGISTRATION_FAILED: ClientRegistrationError;
    CONSENT_STATE: ConsentStateError;
    CONSENT_CALLBACK: ConsentCallbackError;
    CONSENT_CHANNEL: ConsentChannelError;
    CONSENT_RETRY_LIMIT: ConsentRetryLimitError;
    REFRESH_FAILED: RefreshError;
    GRANT_FAILED: GrantError;
    REVOCATION_FAILED: RevocationError;
    REQUEST_TIMEOUT: RequestTimeoutError;
    REQUEST_ABORTED: RequestAbortedError;
    URL_REFUSED: UrlRefusedError;
    LIMIT_EXCEEDED: LimitExceededError;
    STORE_SECRET: StoreSecretError;
    STORE_CORRUPT: StoreCorruptError;
    STORE_UNAVAILABLE: StoreUnavailableError;
  }
}
