import type { CONSENT_CHANNEL } from "./consent-channel-error.js";
import { type LIMIT_EXCEEDED, type REQUEST_ABORTED, type REQUEST_TIMEOUT, type URL_REFUSED } from "./request-errors.js";
import type { REVOCATION_FAILED } from "./revocation-error.js";
import type { STORE_CORRUPT } from "./store-errors.js";
/** Every error code this package throws. */
export type OAuthErrorCode = typeof DISCOVERY_FAILED | typeof RESOURCE_MISMATCH | typeof PKCE_UNSUPPORTED | typeof CLIENT_REGISTRATION_FAILED | typeof CONSENT_STATE | typeof CONSENT_CALLBACK | typeof REFRESH_FAILED | typeof STORE_SECRET | typeof STORE_CORRUPT | typeof REQUEST_TIMEOUT | typeof REQUEST_ABORTED | typeof URL_REFUSED | typeof LIMIT_EXCEEDED | typeof REVOCATION_FAILED | typeof CONSENT_RETRY_LIMIT | typeof GRANT_FAILED | typeof CONSENT_CHANNEL;
export declare const DISCOVERY_FAILED: "DISCOVERY_FAILED";
export declare const RESOURCE_MISMATCH: "RESOURCE_MISMATCH";
export declare const PKCE_UNSUPPORTED: "PKCE_UNSUPPORTED";
export declare const CLIENT_REGISTRATION_FAILED: "CLIENT_REGISTRATION_FAILED";
export declare const CONSENT_STATE: "CONSENT_STATE";
export declare const CONSENT_CALLBACK: "CONSENT_CALLBACK";
export declare const REFRESH_FAILED: "REFRESH_FAILED";
export declare const STORE_SECRET: "STORE_SECRET";
export declare const CONSENT_RETRY_LIMIT: "CONSENT_RETRY_LIMIT";
export declare const GRANT_FAILED: "GRANT_FAILED";
/**
 * Protected resource or authorization server metadata could not be found or read.
 *
 * @see RFC 9728 §3, RFC 8414 §3
 *
 * @example
 * if (isDiscoveryError(error)) console.warn(`no metadata; tried ${error.tried.join(", ")}`);
 */
export declare class DiscoveryError extends Error {
    readonly name = "DiscoveryError";
    readonly code: "DISCOVERY_FAILED";
    /** The URLs that were tried, in order. */
    readonly tried: string[];
    constructor(message: string, tried?: string[], cause?: unknown);
}
/**
 * Recognises {@link DiscoveryError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isDiscoveryError(error)) console.warn(`no metadata; tried ${error.tried.join(", ")}`);
 */
export declare function isDiscoveryError(error: unknown): error is DiscoveryError;
/**
 * Protected resource metadata whose `resource` is not the server that was asked: its
 * contents must not be used.
 *
 * @see RFC 9728 §3.3
 *
 * @example
 * if (isResourceMismatchError(error)) console.warn(`${error.metadataUrl} names ${error.received}`);
 */
export declare class ResourceMismatchError extends Error {
    readonly name = "ResourceMismatchError";
    readonly code: "RESOURCE_MISMATCH";
    readonly expected: string;
    readonly received: string;
    readonly metadataUrl: string;
    constructor(expected: string, received: string, metadataUrl: string);
}
/**
 * Recognises {@link ResourceMismatchError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isResourceMismatchError(error)) console.warn(`${error.metadataUrl} names ${error.received}`);
 */
export declare function isResourceMismatchError(error: unknown): error is ResourceMismatchError;
/**
 * An authorization server that does not list `S256` in `code_challenge_methods_supported`:
 * MCP clients must refuse it.
 *
 * @see RFC 7636 §4.2, RFC 8414 §2, MCP 2025-11-25 Authorization §"Authorization Code Protection"
 *
 * @example
 * if (isPkceUnsupportedError(error)) console.warn(`${error.issuer} has no PKCE S256`);
 */
export declare class PkceUnsupportedError extends Error {
    readonly name = "PkceUnsupportedError";
    readonly code: "PKCE_UNSUPPORTED";
    readonly issuer: string;
    constructor(issuer: string);
}
/**
 * Recognises {@link PkceUnsupportedError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isPkceUnsupportedError(error)) console.warn(`${error.issuer} has no PKCE S256`);
 */
export declare function isPkceUnsupportedError(error: unknown): error is PkceUnsupportedError;
/**
 * No client identity for an authorization server: no pre-registered `client_id` and no
 * `registration_endpoint`, or dynamic registration was refused.
 *
 * @see RFC 7591 §3
 *
 * @example
 * if (isClientRegistrationError(error)) console.warn(`configure a clientId for ${error.issuer}`);
 */
export declare class ClientRegistrationError extends Error {
    readonly name = "ClientRegistrationError";
    readonly code: "CLIENT_REGISTRATION_FAILED";
    readonly issuer: string;
    constructor(issuer: string, message: string, cause?: unknown);
}
/**
 * Recognises {@link ClientRegistrationError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isClientRegistrationError(error)) console.warn(`configure a clientId for ${error.issuer}`);
 */
export declare function isClientRegistrationError(error: unknown): error is ClientRegistrationError;
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
export declare class ConsentStateError extends Error {
    readonly name = "ConsentStateError";
    readonly code: "CONSENT_STATE";
    readonly problem: ConsentStateProblem;
    /** Set when the state named a known consent. */
    readonly consentId: string | undefined;
    constructor(problem: ConsentStateProblem, consentId?: string);
}
/**
 * Recognises {@link ConsentStateError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isConsentStateError(error) && error.problem === "settled") return new Response("already done", { status: 409 });
 */
export declare function isConsentStateError(error: unknown): error is ConsentStateError;
/**
 * A callback with a valid `state` that still could not be completed: a wrong `iss`
 * (RFC 9207), a malformed response, or a refused code exchange.
 *
 * @see RFC 9207 §2.4, RFC 6749 §4.1.2, §5.2
 *
 * @example
 * if (isConsentCallbackError(error)) console.warn(`consent ${error.consentId} failed: ${error.error}`);
 */
export declare class ConsentCallbackError extends Error {
    readonly name = "ConsentCallbackError";
    readonly code: "CONSENT_CALLBACK";
    readonly consentId: string;
    /** The OAuth `error` code, when the authorization server sent one. */
    readonly error: string | undefined;
    constructor(consentId: string, message: string, error?: string, cause?: unknown);
}
/**
 * Recognises {@link ConsentCallbackError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isConsentCallbackError(error)) console.warn(`consent ${error.consentId} failed: ${error.error}`);
 */
export declare function isConsentCallbackError(error: unknown): error is ConsentCallbackError;
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
export declare class RefreshError extends Error {
    readonly name = "RefreshError";
    readonly code: "REFRESH_FAILED";
    readonly consentRequired: boolean;
    /** The OAuth `error` code, when the authorization server sent one. */
    readonly error: string | undefined;
    constructor(message: string, init: {
        consentRequired: boolean;
        error?: string;
        cause?: unknown;
    });
}
/**
 * Recognises {@link RefreshError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isRefreshError(error) && error.consentRequired) await consents.begin({ ...where, reason: "refresh_failed" });
 */
export declare function isRefreshError(error: unknown): error is RefreshError;
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
export declare class StoreSecretError extends Error {
    readonly name = "StoreSecretError";
    readonly code: "STORE_SECRET";
    readonly problem: StoreSecretProblem;
    constructor(problem: StoreSecretProblem, message: string);
}
/**
 * Recognises {@link StoreSecretError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isStoreSecretError(error) && error.problem === "missing") console.error(error.message);
 */
export declare function isStoreSecretError(error: unknown): error is StoreSecretError;
/**
 * A cause that is safe to keep: name, code and message of `error`, without its own `cause`
 * (oauth4webapi attaches response bodies, which can hold tokens).
 */
export declare function safeCause(error: unknown): Error | undefined;
/**
 * The person was already asked `attempts` times within the window for the same (subject,
 * resource, operation), and the server still refuses: asking again would loop. Tell the person
 * the server keeps refusing; nothing is retried.
 *
 * @see MCP 2025-11-25 Authorization §"Step-Up Authorization Flow" (clients SHOULD limit retries)
 * @example
 * if (isConsentRetryLimitError(error)) return `${error.resource} keeps refusing access after ${error.attempts} consents`;
 */
export declare class ConsentRetryLimitError extends Error {
    readonly name = "ConsentRetryLimitError";
    readonly code: "CONSENT_RETRY_LIMIT";
    readonly resource: string;
    readonly operation: string | undefined;
    readonly attempts: number;
    constructor(resource: string, operation: string | undefined, attempts: number);
}
/** Recognises {@link ConsentRetryLimitError} by `name`/`code`. */
export declare function isConsentRetryLimitError(error: unknown): error is ConsentRetryLimitError;
/** Where a non-interactive grant failed. */
export type GrantFailureStep = "discovery" | "client_authentication" | "assertion" | "token_exchange" | "token_request";
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
export declare class GrantError extends Error {
    readonly name = "GrantError";
    readonly code: "GRANT_FAILED";
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
    constructor(message: string, init: {
        grant: GrantError["grant"];
        step: GrantFailureStep;
        retryable: boolean;
        error?: string | undefined;
        errorDescription?: string | undefined;
        issuer?: string | undefined;
        cause?: unknown;
    });
}
/**
 * Recognises {@link GrantError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isGrantError(error) && !error.retryable) console.error(`fix the ${error.grant} configuration: ${error.error}`);
 */
export declare function isGrantError(error: unknown): error is GrantError;
