/** @module The typed error of a token revocation the authorization server did not confirm. */
export declare const REVOCATION_FAILED: "REVOCATION_FAILED";
/**
 * A revocation request (RFC 7009) that was not confirmed: the server could not be reached, timed
 * out, or answered with an error. `revokeTokens` reports it in its result (the tokens are
 * deleted locally anyway); `cause` is the typed request error or the server's OAuth error, never
 * a response body. `error` is the server's OAuth `error` code, when it sent one.
 *
 * @see RFC 7009 §2.2, §2.2.1
 * @example
 * const result = await revokeTokens(key, options);
 * if (isRevocationError(result.error)) console.warn(result.error.message);
 */
export declare class RevocationError extends Error {
    readonly name = "RevocationError";
    readonly code: "REVOCATION_FAILED";
    readonly error: string | undefined;
    constructor(message: string, init?: {
        error?: string | undefined;
        cause?: unknown;
    });
}
/** Recognises {@link RevocationError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isRevocationError(error: unknown): error is RevocationError;
