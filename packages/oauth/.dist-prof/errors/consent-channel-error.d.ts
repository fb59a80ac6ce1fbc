/** @module The typed error of a CIBA or device authorization request the authorization server refused. */
import type { ConsentChannel } from "@authbus/core";
export declare const CONSENT_CHANNEL: "CONSENT_CHANNEL";
/**
 * A consent could not be sent through the channel chosen for it: the authorization server
 * refused the CIBA backchannel authentication request (an unknown `login_hint`, a client not
 * registered for the CIBA grant, …) or the device authorization request, or answered with
 * something that is not a valid response. Nothing was stored; the person was not asked.
 * `error` and `errorDescription` are the server's; the message never holds an `auth_req_id`
 * or a `device_code`.
 *
 * @see OpenID CIBA Core 1.0 §13, RFC 8628 §3.2
 * @example
 * if (isConsentChannelError(error) && error.error === "unknown_user_id") console.warn("no such user at the authorization server");
 */
export declare class ConsentChannelError extends Error {
    readonly name = "ConsentChannelError";
    readonly code: "CONSENT_CHANNEL";
    readonly channel: Exclude<ConsentChannel, "redirect">;
    readonly issuer: string;
    /** The OAuth `error` code, when the server sent one. */
    readonly error: string | undefined;
    readonly errorDescription: string | undefined;
    constructor(message: string, init: {
        channel: Exclude<ConsentChannel, "redirect">;
        issuer: string;
        error?: string | undefined;
        errorDescription?: string | undefined;
        cause?: unknown;
    });
}
/** Recognises {@link ConsentChannelError} by `name`/`code`, not `instanceof`, so two installed copies agree. */
export declare function isConsentChannelError(error: unknown): error is ConsentChannelError;
