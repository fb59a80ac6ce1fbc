/** @module Typed errors of @authbus/oauth: each has a stable `code` and an `isX` guard by name/code. */
import { isHeaderTooLargeError } from "@authbus/core";
import { isRequestBoundError, } from "./request-errors.js";
export const DISCOVERY_FAILED = "DISCOVERY_FAILED";
export const RESOURCE_MISMATCH = "RESOURCE_MISMATCH";
export const PKCE_UNSUPPORTED = "PKCE_UNSUPPORTED";
export const CLIENT_REGISTRATION_FAILED = "CLIENT_REGISTRATION_FAILED";
export const CONSENT_STATE = "CONSENT_STATE";
export const CONSENT_CALLBACK = "CONSENT_CALLBACK";
export const REFRESH_FAILED = "REFRESH_FAILED";
export const STORE_SECRET = "STORE_SECRET";
export const CONSENT_RETRY_LIMIT = "CONSENT_RETRY_LIMIT";
export const GRANT_FAILED = "GRANT_FAILED";
function hasNameAndCode(error, name, code) {
    return error instanceof Error && error.name === name && error.code === code;
}
function options(cause) {
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
    name = "DiscoveryError";
    code = DISCOVERY_FAILED;
    /** The URLs that were tried, in order. */
    tried;
    constructor(message, tried = [], cause) {
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
export function isDiscoveryError(error) {
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
    name = "ResourceMismatchError";
    code = RESOURCE_MISMATCH;
    expected;
    received;
    metadataUrl;
    constructor(expected, received, metadataUrl) {
        super(`protected resource metadata at ${metadataUrl} names resource ${JSON.stringify(received)}, ` +
            `not ${JSON.stringify(expected)}; it is ignored (RFC 9728 §3.3)`);
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
export function isResourceMismatchError(error) {
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
    name = "PkceUnsupportedError";
    code = PKCE_UNSUPPORTED;
    issuer;
    constructor(issuer) {
        super(`authorization server ${issuer} does not advertise S256 in code_challenge_methods_supported; ` +
            "refusing to use it without PKCE");
        this.issuer = issuer;
    }
}
/**
 * Recognises {@link PkceUnsupportedError} by `name`/`code`, not `instanceof`, so two installed copies agree.
 *
 * @example
 * if (isPkceUnsupportedError(error)) console.warn(`${error.issuer} has no PKCE S256`);
 */
export function isPkceUnsupportedError(error) {
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
    name = "ClientRegistrationError";
    code = CLIENT_REGISTRATION_FAILED;
    issuer;
    constructor(issuer, message, cause) {
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
export function isClientRegistrationError(error) {
    return hasNameAndCode(error, "ClientRegistrationError", CLIENT_REGISTRATION_FAILED);
}
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
    name = "ConsentStateError";
    code = CONSENT_STATE;
    problem;
    /** Set when the state named a known consent. */
    consentId;
    constructor(problem, consentId) {
        const text = {
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
export function isConsentStateError(error) {
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
    name = "ConsentCallbackError";
    code = CONSENT_CALLBACK;
    consentId;
    /** The OAuth `error` code, when the authorization server sent one. */
    error;
    constructor(consentId, message, error, cause) {
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
export function isConsentCallbackError(error) {
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
    name = "RefreshError";
    code = REFRESH_FAILED;
    consentRequired;
    /** The OAuth `error` code, when the authorization server sent one. */
    error;
    constructor(message, init) {
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
export function isRefreshError(error) {
    return hasNameAndCode(error, "RefreshError", REFRESH_FAILED);
}
/**
 * A SQLite store without a usable encryption secret: none given (and not a development
 * store), one shorter than 32 characters, or not the secret the file was written with.
 * The message says how to fix it and never contains the secret.
 *
 * @example
 * if (isStoreSecretError(error) && error.problem === "missing") console.error(error.message);
 */
export class StoreSecretError extends Error {
    name = "StoreSecretError";
    code = STORE_SECRET;
    problem;
    constructor(problem, message) {
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
export function isStoreSecretError(error) {
    return hasNameAndCode(error, "StoreSecretError", STORE_SECRET);
}
/**
 * A cause that is safe to keep: name, code and message of `error`, without its own `cause`
 * (oauth4webapi attaches response bodies, which can hold tokens).
 */
export function safeCause(error) {
    if (!(error instanceof Error))
        return undefined;
    // Our own bound errors carry no response body: kept whole, so `isRequestTimeoutError(e.cause)` works.
    if (isRequestBoundError(error) || isHeaderTooLargeError(error))
        return error;
    const copy = new Error(error.message);
    copy.name = error.name;
    const code = error.code;
    if (typeof code === "string")
        Object.assign(copy, { code });
    const oauthError = error.error;
    if (typeof oauthError === "string")
        Object.assign(copy, { error: oauthError });
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
    name = "ConsentRetryLimitError";
    code = CONSENT_RETRY_LIMIT;
    resource;
    operation;
    attempts;
    constructor(resource, operation, attempts) {
        super(`${resource} still refuses${operation === undefined ? "" : ` ${JSON.stringify(operation)}`} after ${attempts} ` +
            "consents in a row; not asking again (the server may require access this user cannot grant)");
        this.resource = resource;
        this.operation = operation;
        this.attempts = attempts;
    }
}
/** Recognises {@link ConsentRetryLimitError} by `name`/`code`. */
export function isConsentRetryLimitError(error) {
    return hasNameAndCode(error, "ConsentRetryLimitError", CONSENT_RETRY_LIMIT);
}
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
    name = "GrantError";
    code = GRANT_FAILED;
    /** Which grant: `client_credentials`, `jwt_bearer` or `enterprise_managed`. */
    grant;
    step;
    /** The OAuth `error` code, when a server sent one. */
    error;
    /** The server's `error_description`, when it sent one. */
    errorDescription;
    /** The authorization server (or identity provider) that was asked, when known. */
    issuer;
    retryable;
    constructor(message, init) {
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
export function isGrantError(error) {
    return hasNameAndCode(error, "GrantError", GRANT_FAILED);
}
